"""OCPP 1.6J conformance harness: a mock Central System that runs the OCTT test plan against a charge point."""
__version__ = "0.1.0"
