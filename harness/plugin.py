"""pytest glue of the harness (being written)."""
