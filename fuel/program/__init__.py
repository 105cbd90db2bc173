"""Test programs: the record, the loader, and the static check of untrusted source."""

from fuel.program.loader import load_file, load_program, load_source, read_program
from fuel.program.record import InputStyle, Program, ProgramSpec

__all__ = ["InputStyle", "Program", "ProgramSpec", "load_file", "load_program", "load_source",
           "read_program"]
