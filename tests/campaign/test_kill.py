"""kill -9 at random moments, then --resume: no recorded test or bug is ever lost, the
database is never corrupt, and the files agree with it at the end.

The campaign runs in a child process (toy generator, fake pool: no compiling) and is
killed several times at random points, each within half a second of a run's start
(a fresh or resumed one records about a hundred tests a second).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from fuel import serial
from fuel.judge.verdict import Verdict

ROOT = Path(__file__).parents[2]
ROUNDS = 400
KILLS = 4


def spawn(out: Path, resume: bool) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.campaign.run_toy", str(out), str(ROUNDS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [*command, *(["--resume"] if resume else [])],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def snapshot(out: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every test and bug row, after checking that the database is sound."""
    conn = sqlite3.connect(out / "campaign.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        tests = conn.execute("SELECT id, digest, outcome, signature_id FROM tests ORDER BY id")
        bugs = conn.execute("SELECT signature_id, first_test FROM bugs ORDER BY signature_id")
        return tests.fetchall(), bugs.fetchall()
    finally:
        conn.close()


def runs_started(out: Path) -> int:
    if not (out / "campaign.db").exists():
        return 0
    conn = sqlite3.connect(out / "campaign.db")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.OperationalError:  # being created
        return 0
    finally:
        conn.close()


def wait_for_run(out: Path, number: int, process: subprocess.Popen[str]) -> None:
    """Until the campaign's run ``number`` has started (or the process has ended)."""
    deadline = time.monotonic() + 60
    while runs_started(out) < number and process.poll() is None:
        assert time.monotonic() < deadline, f"run {number} never started"
        time.sleep(0.01)


def test_resume_after_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    out = tmp_path / "campaign"
    tests: list[tuple[object, ...]] = []
    bugs: list[tuple[object, ...]] = []
    process = spawn(out, resume=False)
    kills = 0
    for number in range(1, KILLS + 1):
        wait_for_run(out, number, process)
        time.sleep(rng.uniform(0.0, 0.4))
        if process.poll() is not None:
            break  # it finished before this kill: the checks below still apply
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        now_tests, now_bugs = snapshot(out)
        assert now_tests[: len(tests)] == tests, f"recorded tests changed (seed {seed})"
        assert set(bugs) <= set(now_bugs), f"recorded bugs lost (seed {seed})"
        assert [row[0] for row in now_tests] == list(range(1, len(now_tests) + 1))
        tests, bugs = now_tests, now_bugs
        process = spawn(out, resume=True)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert kills >= KILLS - 1, f"the campaign outran the kills (seed {seed})"
    final_tests, final_bugs = snapshot(out)
    assert final_tests[: len(tests)] == tests and set(bugs) <= set(final_bugs)
    assert [row[0] for row in final_tests] == list(range(1, ROUNDS + 1))
    check_files_agree(out)


def check_files_agree(out: Path) -> None:
    conn = sqlite3.connect(out / "campaign.db")
    try:
        for test_id, source in conn.execute("SELECT id, source FROM tests"):
            assert (out / "tests" / f"{test_id:06d}.py").read_text() == source
        counts = dict(
            conn.execute(
                "SELECT signature_id, COUNT(*) FROM tests "
                "WHERE signature_id IS NOT NULL GROUP BY signature_id"
            )
        )
        bugs = conn.execute(
            "SELECT b.signature_id, b.count, t.source, t.verdict FROM bugs b "
            "JOIN tests t ON t.id = b.first_test"
        ).fetchall()
        assert {b[0]: b[1] for b in bugs} == counts
        for signature_id, _, source, verdict in bugs:
            directory = out / "bugs" / signature_id
            assert (directory / "program.py").read_text() == source
            saved = serial.loads(Verdict, (directory / "verdict.json").read_text())
            assert saved == serial.loads(Verdict, verdict)
        assert sorted(p.name for p in (out / "bugs").iterdir()) == sorted(counts)
        new_bugs = conn.execute("SELECT COUNT(*) FROM tests WHERE new_bug = 1").fetchone()[0]
        assert new_bugs == len(bugs)
        covered = conn.execute("SELECT COUNT(*) FROM coverage").fetchone()[0]
        last = conn.execute("SELECT covered_lines FROM tests ORDER BY id DESC LIMIT 1").fetchone()
        assert covered == last[0]
        runs = conn.execute("SELECT COUNT(*), SUM(stop_reason IS NULL) FROM runs").fetchone()
        assert runs[0] >= 2 and runs[1] == runs[0] - 1  # every run killed but the last
        assert (
            json.loads(conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0])[
                "max_rounds"
            ]
            == ROUNDS
        )
    finally:
        conn.close()
    assert not list(out.rglob(".tmp-*"))
