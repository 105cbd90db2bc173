"""What one test taught the campaign: the record heuristics and generators learn from."""

from __future__ import annotations

from dataclasses import dataclass

from fuel.execute.options import CompileSetting
from fuel.judge.verdict import Verdict
from fuel.program.record import Program


@dataclass(frozen=True, slots=True)
class Feedback:
    program: Program
    verdict: Verdict
    new_lines: int  # compiler lines this test covered for the first time in the campaign
    new_lines_by_file: tuple[tuple[str, int], ...] = ()  # (torch-relative path, count)
    new_bug: bool = False  # the verdict is a bug whose signature was not seen before
    settings: tuple[CompileSetting, ...] = ()  # the compile settings the test ran with
    # Whether coverage was measured on this test: when not, ``new_lines`` is 0 for want
    # of a measurement, not because the test reached nothing new (see
    # ``fuel.campaign.measure``), and heuristics must not learn "no gain" from it.
    measured: bool = True
    # The verdict is a bug already known or seen: a known issue, a signature or class
    # found earlier in this campaign or in one named by ``--seen``. A new signature is
    # not stale when recorded; it becomes so once reduced, if its class was.
    stale_bug: bool = False
    seconds: float = 0.0  # the worker-seconds the test cost (``RunResult.seconds``)
