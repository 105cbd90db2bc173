"""Running programs: warm sandboxed worker processes, and what they return.

The executor takes a loaded program and compile options and returns a ``RunResult``.
It knows nothing of how programs were made and decides nothing about bugs.
"""
