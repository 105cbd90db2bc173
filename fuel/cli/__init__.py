"""The ``fuel`` command line: one module per command, each exposing ``command``."""
