"""The misbehaving-charger block (issue 12, point 1): what a buggy charger could send, and what the harness does."""
