"""Checking a program: load it, run it on the warm workers, judge what they saw.

The one path from a program to a verdict (:class:`Checker`), shared by the campaign,
``fuel check``, the reducer, replay, the LLM's repair and the benchmarks, so that a
rejected program, a worker's failure or an error in fuel's own judging is handled the
same way everywhere.
"""

from fuel.check.checker import Checked, Checker, LoadRules, Made, Maker, Runner

__all__ = ["Checked", "Checker", "LoadRules", "Made", "Maker", "Runner"]
