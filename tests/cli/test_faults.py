"""The fault matrix: each command under each fault a hostile or clumsy user meets, the
way SQLite tests its own durability.

Every cell runs the real command line on a real fault (``tests/cli/faults.py``) and
asserts what the user gets: one line on stderr and no traceback, the documented exit
code (``fuel.cli.exits``; the README's table), and every test recorded before the fault
still readable, unchanged, afterwards. Campaigns are the toy generator's on the fake
pool, which compiles nothing, where the fault is not about running programs; the cells
that need real workers (a signal to ``check``, ``reduce`` or ``replay`` while they run)
are marked slow.

Cells left out, and why: ``check`` keeps no store (no read-only or damaged one), writes
no file (its workers' TMPDIR on a full disk still judged, exit 0, tried by hand) and
shares nothing with a second ``check`` (worker directories are per process); ``status``
is a few queries, nothing to interrupt; ``replay`` writes nothing that a kill could cut
short (its workers die with it, as ``check``'s do); ``reduce`` is killed, not
interrupted (Ctrl-C is ``check``'s: tests/cli/test_check.py).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.campaign.settings import CampaignSettings
from fuel.cli import exits
from fuel.cli import fuzz as fuzz_command
from fuel.cli.main import main
from tests.campaign.toy import FakePool, register_toys
from tests.cli import faults
from tests.cli.faults import Ended

SEED = random.randrange(1 << 30)  # printed by failing cells: kills land where it says
DELAY = {"FUEL_FAKE_DELAY_S": "0.03"}  # a fake test's time, so that a fault lands mid-run
EXAMPLE = Path(__file__).parents[2] / "examples" / "valid_make_inputs.py"


@pytest.fixture(autouse=True)
def fake_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process campaigns run the toy on the fake pool, with no bug processors."""
    register_toys()
    monkeypatch.setattr(session, "warm_pool", lambda settings: FakePool())
    monkeypatch.setattr(fuzz_command, "wiring", lambda *flags, **named: session.Wiring())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished toy campaign of 60 tests with bugs; each test copies it."""
    register_toys()
    out = tmp_path_factory.mktemp("made") / "c"
    config = CampaignSettings(out=out, generator="toy", seed=3, max_rounds=60, jobs=2)
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    assert session.start(config, QuietDisplay(), ["made"], wiring).reason == "round limit"
    return out


@pytest.fixture
def campaign(made: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(made, tmp_path / "c"))


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with faults.small_disk(tmp_path / "disk") as mounted:
        yield mounted


def fuel(capfd: pytest.CaptureFixture[str], *args: str) -> Ended:
    """``fuel ARGS`` in this process (no signal, no second process needed)."""
    code = main(list(args))
    captured = capfd.readouterr()
    return Ended(code, captured.out, captured.err)


def fuel_as(capfd: pytest.CaptureFixture[str], prefix: tuple[str, ...], *args: str) -> Ended:
    """``fuel ARGS`` here, or in a process of its own where it must run under ``prefix``
    (a user namespace, for an unreadable file)."""
    return faults.run(*args, prefix=prefix, fake=True) if prefix else fuel(capfd, *args)


def campaign_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``fuel fuzz ARGS`` (toy generator, fake pool) in a process of its own."""
    return faults.spawn("fuzz", *args, env=env, fake=True)


def campaign_run(*args: str, timeout: float = 120) -> Ended:
    return faults.run("fuzz", *args, fake=True, timeout=timeout)


def toy(*args: str) -> tuple[str, ...]:
    return ("--generator", "toy", "--settings", "default", "-q", *args)


def binary(path: Path) -> Path:
    path.write_bytes(random.Random(SEED).randbytes(3000))
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


BOUNDED = ("timeout", "60")  # a read that never ends fails the cell instead of hanging it


def bad_input(kind: str, path: Path) -> tuple[Path, tuple[str, ...]]:
    """A file of ``kind`` at ``path`` (or in its place); the prefix to run the command
    with: a time limit where a read could block or never end, and a user namespace for
    an unreadable file (as root, that is the only place where it is unreadable)."""
    if kind == "/dev/zero":
        return Path("/dev/zero"), BOUNDED
    if kind == "binary":
        binary(path)
    elif kind == "huge":
        path.write_bytes(b"#" * 2_000_001)
    elif kind == "FIFO":
        return fifo(path), BOUNDED
    elif kind == "a directory":
        path.mkdir()
    else:
        assert kind == "unreadable", kind
        path.write_text(EXAMPLE.read_text())
        return path, faults.unreadable(path)
    return path, ()


# ============================================================== fuel fuzz (a new campaign)
def test_fuzz_disk_full_stops_with_one_line_and_resumes_once_freed(disk: Path) -> None:
    """Defect 2: a full disk was a sqlite3.OperationalError traceback."""
    filler = faults.fill(disk, leave_bytes=600_000)
    out = disk / "c"
    ended = campaign_run(*toy("--out", str(out), "--max-round", "100000"))
    assert ended.code == exits.FAILED, ended
    assert "no space left" in ended.line() and f"fuel fuzz --resume {out}" in ended.line()
    before = faults.tests_of(out)
    assert len(before) >= 5  # the disk filled mid-campaign, not at its creation
    filler.unlink()
    again = campaign_run("--resume", str(out), "--max-round", str(len(before) + 5), "-q")
    assert again.code == exits.OK, again
    faults.assert_kept(out, before)


def test_fuzz_on_a_read_only_disk_is_one_line_and_leaves_nothing(
    disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    faults.remount_read_only(disk)
    ended = fuel(capfd, "fuzz", *toy("--out", str(disk / "c"), "--max-round", "5"))
    assert ended.code == exits.FAILED
    assert "cannot create a campaign in" in ended.line() and "read-only" in ended.line()
    assert not (disk / "c").exists()


def test_fuzz_into_a_damaged_campaign_is_refused_and_leaves_it_untouched(
    campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    faults.damage(campaign / "campaign.db", SEED)
    damaged = faults.digest(campaign / "campaign.db")
    ended = fuel(capfd, "fuzz", *toy("--out", str(campaign), "--max-round", "5"))
    assert ended.code == exits.FAILED and "already holds a campaign" in ended.line()
    assert faults.digest(campaign / "campaign.db") == damaged


@pytest.mark.parametrize("where", ["name too long", "under a file", "cannot be made"])
def test_fuzz_into_an_unwritable_out_is_one_line(
    where: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defects 6 and 8: an unwritable or too long --out was a PermissionError or an
    OSError traceback."""
    (tmp_path / "file").write_text("")
    out = {"name too long": tmp_path / ("x" * 300) / "c", "under a file": tmp_path / "file" / "c",
           "cannot be made": Path("/proc/fuel-campaign")}[where]  # fmt: skip
    ended = fuel(capfd, "fuzz", *toy("--out", str(out), "--max-round", "5"))
    assert ended.code == exits.FAILED
    assert "cannot create a campaign in" in ended.line() and "--out" in ended.line()


def test_fuzz_killed_at_a_random_test_keeps_every_recorded_one(tmp_path: Path) -> None:
    out, kill_at = tmp_path / "c", random.Random(SEED).randrange(3, 40)
    running = campaign_process(*toy("--out", str(out), "--max-round", "100000"), env=DELAY)
    faults.wait_for_tests(out, kill_at, running)
    assert faults.stop(running, signal.SIGKILL).code == -signal.SIGKILL
    before = faults.tests_of(out)
    assert len(before) >= kill_at, SEED
    status = faults.run("status", str(out), "--json")
    assert status.code == exits.OK and json.loads(status.out)["tests"] == len(before)
    status.quiet()
    again = campaign_run("--resume", str(out), "--max-round", str(len(before) + 5), "-q")
    assert again.code == exits.OK, again
    faults.assert_kept(out, before)


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_fuzz_stopped_by_a_signal_says_so_and_keeps_everything(name: str, tmp_path: Path) -> None:
    """Defect 13: Ctrl-C exited 0 for fuzz but 130 for check; now 130 (143 for SIGTERM)."""
    out, signum = tmp_path / "c", getattr(signal, name)
    running = campaign_process(*toy("--out", str(out), "--max-round", "100000"), env=DELAY)
    faults.wait_for_tests(out, random.Random(SEED).randrange(3, 30), running)
    ended = faults.stop(running, signum)
    assert ended.shell_code == 128 + signum, ended
    assert f"every test recorded is kept; go on with `fuel fuzz --resume {out}`" in ended.line()
    assert "stopped        interrupted" in ended.out
    recorded = faults.tests_of(out)
    faults.assert_kept(out, recorded)  # the files agree with the database


def test_a_second_fuzz_into_a_running_campaign_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "c"
    first = campaign_process(*toy("--out", str(out), "--max-round", "80"), env=DELAY)
    faults.wait_for_tests(out, 3, first)
    second = campaign_run(*toy("--out", str(out), "--max-round", "80"))
    assert second.code == exits.FAILED and "already holds a campaign" in second.line()
    assert faults.finish(first).code == exits.OK
    assert len(faults.tests_of(out)) == 80


@pytest.mark.parametrize("kind", ["binary", "huge", "unreadable", "FIFO", "/dev/zero"])
def test_fuzz_with_a_known_issues_file_it_cannot_read_is_one_line(
    kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 7: a binary --known-issues was a UnicodeDecodeError traceback; a FIFO or
    /dev/zero read without end."""
    rules, prefix = bad_input(kind, tmp_path / "rules.txt")
    out = tmp_path / "c"
    ended = fuel_as(capfd, prefix, "fuzz", *toy("--out", str(out), "--known-issues", str(rules),
                                                "--max-round", "3"))  # fmt: skip
    assert ended.code == exits.FAILED
    assert f"cannot read the known-issues file {rules}" in ended.line() or (
        kind == "unreadable" and "is not readable" in ended.line()
    )
    assert not out.exists()


def test_fuzz_with_a_directory_for_a_file_is_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    ended = fuel(capfd, "fuzz", *toy("--out", str(tmp_path / "c"), "--known-issues", str(tmp_path)))
    assert ended.code == exits.FAILED and "is a directory" in ended.line()


def test_a_refused_generator_leaves_no_campaign_directory(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 13: a refused LLM start (no key) left an empty campaign directory."""
    for name in ("FUEL_API_KEY", "DEEPSEEK_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "model.yaml"
    config.write_text("default: x\npresets:\n  x:\n    base_url: http://127.0.0.1:9/v1\n"
                      "    key_env: NO_SUCH_KEY\n    generation: {model: m}\n"
                      "    analysis: {model: m}\n")  # fmt: skip
    out = tmp_path / "c"
    ended = fuel(capfd, "fuzz", "--generator", "llm", "--llm-config", str(config), "--out",
                 str(out), "--max-round", "1", "-q")  # fmt: skip
    assert ended.code == exits.FAILED and "LLM" in ended.line()
    assert not out.exists()


def test_more_workers_than_cores_runs_as_many_as_the_cores_and_says_so(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 1: -j 1000 on 2 cores started spawning 1000 sandboxed workers, unwarned."""
    cores, out = os.cpu_count() or 1, tmp_path / "c"
    ended = fuel(capfd, "fuzz", *toy("--out", str(out), "--max-round", "3", "-j", "1000"))
    assert ended.code == exits.OK
    assert ended.line() == (f"fuel: -j 1000 is more workers than the {cores} cores here: "
                            f"running {cores}")  # fmt: skip
    assert faults.stored_settings(out)["jobs"] == cores


# ============================================================== fuel fuzz --resume
def test_resume_on_a_full_disk_stops_with_one_line_and_loses_nothing(
    made: Path, disk: Path
) -> None:
    out = Path(shutil.copytree(made, disk / "c"))
    before = faults.tests_of(out)
    filler = faults.fill(disk, leave_bytes=150_000)
    ended = campaign_run("--resume", str(out), "--max-round", "100000", "-q")
    assert ended.code == exits.FAILED and "no space left" in ended.line()
    faults.assert_kept(out, before, files=False)
    filler.unlink()
    recorded = len(faults.tests_of(out))
    again = campaign_run("--resume", str(out), "--max-round", str(recorded + 5), "-q")
    assert again.code == exits.OK, again
    faults.assert_kept(out, before)


@pytest.mark.parametrize("how", ["chattr +i campaign.db", "read-only mount"])
def test_resume_of_a_read_only_campaign_is_one_line_and_changes_nothing(
    how: str, made: Path, disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 5: a read-only campaign.db was a traceback from update_settings."""
    out = Path(shutil.copytree(made, disk / "c"))
    before, stored = faults.tests_of(out), faults.digest(out / "campaign.db")
    if how == "read-only mount":
        faults.remount_read_only(disk)
        ended = fuel(capfd, "fuzz", "--resume", str(out), "--max-round", "100", "-q")
    else:
        with faults.immutable(out / "campaign.db"):
            ended = fuel(capfd, "fuzz", "--resume", str(out), "--max-round", "100", "-q")
    assert ended.code == exits.FAILED
    assert "cannot be written" in ended.line() and f"fuel fuzz --resume {out}" in ended.line()
    assert faults.digest(out / "campaign.db") == stored
    faults.assert_kept(out, before)


def test_resume_into_an_unwritable_tests_folder_is_one_line_then_mends_itself(
    campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = faults.tests_of(campaign)
    with faults.immutable(campaign / "tests"):
        ended = fuel(capfd, "fuzz", "--resume", str(campaign), "--max-round", "100", "-q")
        assert ended.code == exits.FAILED and "cannot be written" in ended.line()
    faults.assert_kept(campaign, before)
    again = fuel(capfd, "fuzz", "--resume", str(campaign), "--max-round", "70", "-q")
    assert again.code == exits.OK, again
    faults.assert_kept(campaign, faults.tests_of(campaign))  # the missing files rewritten


@pytest.mark.parametrize("name", ["SIGKILL", "SIGINT"])
def test_resume_stopped_at_a_random_test_keeps_every_recorded_one(
    name: str, campaign: Path
) -> None:
    before = faults.tests_of(campaign)
    more = random.Random(SEED).randrange(2, 30)
    running = campaign_process("--resume", str(campaign), "--max-round", "100000", "-q",
                           env=DELAY)  # fmt: skip
    faults.wait_for_tests(campaign, len(before) + more, running)
    ended = faults.stop(running, faults.SIGNALS[name])
    if name == "SIGINT":
        assert ended.shell_code == exits.INTERRUPTED and "fuel fuzz --resume" in ended.line()
    else:
        assert ended.code == -signal.SIGKILL
    faults.assert_kept(campaign, before)
    assert len(faults.tests_of(campaign)) >= len(before) + more, SEED


def test_a_second_resume_is_refused_while_the_first_runs(campaign: Path) -> None:
    first = campaign_process("--resume", str(campaign), "--max-round", "100000", "-q",
                             env=DELAY)  # fmt: skip
    faults.wait_for_tests(campaign, 62, first)
    second = campaign_run("--resume", str(campaign), "--max-round", "100000", "-q")
    assert second.code == exits.FAILED
    assert "another fuel process is running the campaign" in second.line()
    assert faults.stop(first, signal.SIGINT).shell_code == exits.INTERRUPTED
    faults.assert_kept(campaign, faults.tests_of(campaign))


@pytest.mark.parametrize("kind", ["binary", "FIFO"])
def test_resume_with_a_known_issues_file_it_cannot_read_changes_nothing(
    kind: str, campaign: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    rules = binary(tmp_path / "rules") if kind == "binary" else fifo(tmp_path / "rules")
    before = faults.tests_of(campaign)
    ended = fuel(capfd, "fuzz", "--resume", str(campaign), "--known-issues", str(rules),
                 "--max-round", "100", "-q")  # fmt: skip
    assert ended.code == exits.FAILED and "cannot read the known-issues file" in ended.line()
    faults.assert_kept(campaign, before)
    status = fuel(capfd, "status", str(campaign), "--json")
    assert json.loads(status.out)["runs"] == 1  # no run was started, the limit unchanged


@pytest.mark.parametrize("kind", ["a directory", "a FIFO"])
def test_resume_where_campaign_db_is_not_a_file_is_one_line(
    kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c"
    out.mkdir()
    (out / "campaign.db").mkdir() if kind == "a directory" else fifo(out / "campaign.db")
    ended = fuel(capfd, "fuzz", "--resume", str(out), "--max-round", "5", "-q")
    assert ended.code == exits.FAILED and f"is {kind}, not a campaign database" in ended.line()


@pytest.mark.parametrize("limit", ["--time", "--max-round"])
def test_resume_of_a_campaign_whose_limit_is_spent_says_which(
    limit: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 3: --resume --max-round N after a campaign had run its --time ran one test
    and said "stopped: time limit", exit 0; now one line names the spent limit."""
    out = str(tmp_path / "c")
    first = ("--time", "1s") if limit == "--time" else ("--max-round", "8")
    assert fuel(capfd, "fuzz", *toy("--out", out, *first)).code == exits.OK
    time.sleep(1.0)
    other = ("--max-round", "1000") if limit == "--time" else ("--time", "1h")
    ended = fuel(capfd, "fuzz", "--resume", out, *other, "-q")
    assert ended.code == exits.FAILED
    assert f"give a {'longer' if limit == '--time' else 'larger'} {limit} to go on" in ended.line()
    status = fuel(capfd, "status", out, "--json")
    assert json.loads(status.out)["runs"] == 1


# ============================================================== a damaged campaign.db
@pytest.mark.parametrize("command", [("fuzz", "--resume"), ("status",), ("report",),
                                     ("reduce",), ("replay",)], ids=" ".join)  # fmt: skip
def test_a_campaign_damaged_past_its_header_is_one_line_and_left_untouched(
    command: tuple[str, ...], campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 4: fuel status printed a normal summary of a damaged campaign, and
    --resume died with sqlite3.DatabaseError."""
    programs = sorted((campaign / "tests").iterdir())
    faults.damage(campaign / "campaign.db", SEED)
    damaged = faults.digest(campaign / "campaign.db")
    ended = fuel(capfd, *command, str(campaign))
    assert ended.code == exits.FAILED, SEED
    assert "campaign.db is damaged" in ended.line() and "leaves it untouched" in ended.line()
    assert faults.digest(campaign / "campaign.db") == damaged
    assert sorted((campaign / "tests").iterdir()) == programs
    assert not (campaign / "report.html").exists()


# ============================================================== fuel status
def test_status_of_a_campaign_on_a_full_disk_reads(made: Path, disk: Path) -> None:
    out = Path(shutil.copytree(made, disk / "c"))
    faults.fill(disk)
    ended = faults.run("status", str(out), "--json")
    assert ended.code == exits.OK and json.loads(ended.out)["tests"] == 60
    ended.quiet()


def test_status_of_a_campaign_on_a_read_only_disk_reads(
    made: Path, disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = Path(shutil.copytree(made, disk / "c"))
    faults.remount_read_only(disk)
    ended = fuel(capfd, "status", str(out), "--json")
    assert ended.code == exits.OK and json.loads(ended.out)["tests"] == 60
    ended.quiet()


@pytest.mark.parametrize("how", ["/dev/full", "closed pipe"])
def test_status_into_an_output_that_cannot_be_written(how: str, campaign: Path) -> None:
    if how == "/dev/full":
        with open("/dev/full", "w") as full:
            ended = faults.finish(faults.spawn("status", str(campaign), stdout=full.fileno()))
        assert ended.code == exits.FAILED and "cannot write the output" in ended.line()
    else:
        running = faults.spawn("status", str(campaign))
        assert running.stdout is not None
        running.stdout.close()
        ended = faults.finish(running)
        assert ended.code == exits.BROKEN_PIPE
        ended.quiet()


def test_status_after_a_kill_at_a_random_test_counts_what_was_recorded(tmp_path: Path) -> None:
    out, kill_at = tmp_path / "c", random.Random(SEED).randrange(3, 40)
    running = campaign_process(*toy("--out", str(out), "--max-round", "100000"), env=DELAY)
    faults.wait_for_tests(out, kill_at, running)
    faults.stop(running, signal.SIGKILL)
    time.sleep(1.0)  # a killed run's time ends at its last commit, not now
    ended = faults.run("status", str(out), "--json")
    data = json.loads(ended.out)
    assert ended.code == exits.OK and not data["running"] and data["stop_reason"] is None
    assert data["tests"] == len(faults.tests_of(out))
    ran = faults.run_seconds(out)
    assert data["elapsed_s"] == pytest.approx(ran, abs=0.01)


def test_status_beside_a_running_campaign_and_a_starting_resume(
    campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 13: status showed a wrong elapsed time while a resume started (the time
    since the last run began, not the campaign's own)."""
    finished = json.loads(fuel(capfd, "status", str(campaign), "--json").out)["elapsed_s"]
    with faults.held(campaign):  # as a resume holds it while its workers start
        time.sleep(1.5)
        ended = fuel(capfd, "status", str(campaign), "--json")
    data = json.loads(ended.out)
    assert ended.code == exits.OK and data["running"] and data["tests"] == 60
    assert data["elapsed_s"] == pytest.approx(finished, abs=0.01)


@pytest.mark.parametrize("kind", ["binary", "a directory", "FIFO"])
def test_status_of_a_campaign_db_that_is_not_one_is_one_line(
    kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c"
    out.mkdir()
    _, prefix = bad_input(kind, out / "campaign.db")
    ended = fuel_as(capfd, prefix, "status", str(out))
    assert ended.code == exits.FAILED
    named = "a FIFO" if kind == "FIFO" else kind
    words = "campaign.db is damaged" if kind == "binary" else f"is {named}, not a campaign"
    assert words in ended.line()


# ============================================================== fuel report
def test_report_on_a_full_disk_is_one_line_and_leaves_no_half_file(made: Path, disk: Path) -> None:
    out = Path(shutil.copytree(made, disk / "c"))
    faults.fill(disk)
    ended = faults.run("report", str(out))
    assert ended.code == exits.FAILED and "cannot write" in ended.line()
    assert "--html" in ended.line() and not (out / "report.html").exists()
    faults.assert_kept(out, faults.tests_of(made))


def test_report_of_a_read_only_campaign_writes_elsewhere_when_told(
    made: Path, disk: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = Path(shutil.copytree(made, disk / "c"))
    faults.remount_read_only(disk)
    ended = fuel(capfd, "report", str(out))
    assert ended.code == exits.FAILED and "read-only" in ended.line()
    elsewhere = fuel(capfd, "report", str(out), "--html", str(tmp_path / "r.html"))
    assert elsewhere.code == exits.OK and (tmp_path / "r.html").stat().st_size > 0
    elsewhere.quiet()


@pytest.mark.parametrize("kind", ["a directory", "a FIFO", "under a file"])
def test_report_into_an_html_path_it_cannot_write_is_one_line(
    kind: str, campaign: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target"
    if kind == "a directory":
        target.mkdir()
    elif kind == "a FIFO":
        fifo(target)
    else:
        target.write_text("")
        target = target / "r.html"
    ended = fuel(capfd, "report", str(campaign), "--html", str(target))
    assert ended.code == exits.FAILED and str(target) in ended.line()
    faults.assert_kept(campaign, faults.tests_of(campaign))


@pytest.mark.parametrize("name", ["SIGKILL", "SIGINT"])
def test_report_stopped_midway_leaves_no_half_file(name: str, campaign: Path) -> None:
    before = faults.tests_of(campaign)
    running = faults.spawn("report", str(campaign))
    time.sleep(random.Random(SEED).uniform(0.5, 1.5))  # past the start of the interpreter
    ended = faults.stop(running, faults.SIGNALS[name])
    report = campaign / "report.html"
    if "wrote" in ended.out:  # it finished first; the signal may still land as it exits
        assert report.read_text(encoding="utf-8").rstrip().endswith("</html>")
        signum = faults.SIGNALS[name]
        assert ended.code == exits.OK or ended.killed_as_it_exited(signum) or (
            ended.line() == "fuel: interrupted")  # fmt: skip
    elif name == "SIGINT":
        assert ended.shell_code == exits.INTERRUPTED and ended.line() == "fuel: interrupted"
    else:
        assert ended.code == -signal.SIGKILL
    assert not report.exists() or report.read_text(encoding="utf-8").rstrip().endswith("</html>")
    faults.assert_kept(campaign, before)


def test_report_beside_a_running_campaign(campaign: Path) -> None:
    running = campaign_process("--resume", str(campaign), "--max-round", "100000", "-q",
                           env=DELAY)  # fmt: skip
    try:
        faults.wait_for_tests(campaign, 65, running)
        ended = faults.run("report", str(campaign))
        assert ended.code == exits.OK and (campaign / "report.html").exists()
        ended.quiet()
    finally:
        faults.stop(running, signal.SIGINT)


# ============================================================== fuel check
@pytest.mark.parametrize("kind", ["binary", "huge", "/dev/zero", "unreadable", "FIFO"])
def test_check_of_a_file_it_cannot_read_judges_nothing_and_says_so(
    kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defects 9 and 10: /dev/zero read without bound, a FIFO blocked forever, and a
    check where every file was rejected exited 0."""
    path, prefix = bad_input(kind, tmp_path / "prog.py")
    ended = fuel_as(capfd, prefix, "check", str(path))
    if kind == "unreadable":  # the command line's own check refuses it first
        assert ended.code == exits.FAILED and "is not readable" in ended.line()
        return
    assert ended.code == exits.NOTHING_JUDGED, ended
    assert ended.out.startswith("REJECTED") and "1 checked: 1 rejected" in ended.out
    assert "no file could be judged" in ended.line()


def test_check_with_a_directory_for_a_file_is_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    ended = fuel(capfd, "check", str(tmp_path))
    assert ended.code == exits.FAILED and "is a directory" in ended.line()


def test_check_into_a_full_stdout_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        ended = faults.finish(faults.spawn("check", str(binary(tmp_path / "b.py")),
                                           stdout=full.fileno()))  # fmt: skip
    assert ended.code == exits.FAILED and "cannot write the output" in ended.line()


def test_a_newline_in_a_file_name_stays_on_its_verdict_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Defect 13: a newline in a file name split the verdict line."""
    odd = binary(tmp_path / "two\nlines.py")
    ended = fuel(capfd, "check", str(odd))
    assert ended.code == exits.NOTHING_JUDGED
    verdict, summary = ended.out.splitlines()
    assert verdict.startswith("REJECTED") and "two\\nlines.py" in verdict
    assert summary == "1 checked: 1 rejected"


@pytest.mark.slow
def test_check_killed_while_it_runs_leaves_no_worker() -> None:
    """Real workers: after a kill -9, no worker outlives it (their parent-death signal).
    Ctrl-C during a check: tests/cli/test_check.py::test_ctrl_c_stops_cleanly_with_no_leftovers
    (130, one line, no worker and no worker directory left)."""
    running = faults.spawn("check", str(EXAMPLE), str(EXAMPLE), "--backend", "eager", "-j", "1")
    faults.wait_for_workers(running)
    time.sleep(random.Random(SEED).uniform(0.5, 3.0))
    workers = faults.descendants(running.pid)
    assert faults.stop(running, signal.SIGKILL).code == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while faults.alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not faults.alive(workers), SEED


@pytest.mark.slow
def test_check_of_a_program_whose_input_exceeds_the_memory_limit_says_how_to_raise_it(
    tmp_path: Path,
) -> None:
    """Defect 11: a 200 MB input over the worker's limit read "fuel's worker failed:
    can't allocate memory", blaming fuel."""
    program = tmp_path / "big_input.py"
    program.write_text(EXAMPLE.read_text().replace("torch.randn(4, 16)",
                                                   "torch.ones(75 * 2 ** 20)"))  # 300 MB
    ended = faults.run("check", str(program), "--backend", "eager", "-j", "1",
                       "--memory-mb", "256", timeout=600)  # fmt: skip
    assert ended.code == exits.OK, ended  # judged: not a bug
    verdict = ended.out.splitlines()[0]
    assert "--memory-mb 256" in verdict and "rerun with a larger --memory-mb" in verdict
    assert "fuel's worker failed" not in verdict


# ============================================================== fuel reduce
def test_reduce_into_a_full_disk_is_one_line_before_any_work(
    disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    faults.fill(disk)
    ended = fuel(capfd, "reduce", str(EXAMPLE), "--out", str(disk / "r"), "--backend", "eager")
    assert ended.code == exits.FAILED and "cannot write the results" in ended.line()
    assert "no space left" in ended.line()


def test_reduce_into_a_read_only_place_is_one_line_before_any_work(
    disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    faults.remount_read_only(disk)
    ended = fuel(capfd, "reduce", str(EXAMPLE), "--out", str(disk / "r"), "--backend", "eager")
    assert ended.code == exits.FAILED and "read-only" in ended.line()


def test_reduce_of_a_read_only_campaign_is_one_line_before_any_work(
    campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before, db = faults.tests_of(campaign), campaign / "campaign.db"
    stored = faults.digest(db)
    with faults.immutable(db):
        ended = fuel(capfd, "reduce", str(campaign))
    assert ended.code == exits.FAILED and "cannot be written" in ended.line()
    assert f"fuel reduce {campaign}" in ended.line()
    assert faults.digest(db) == stored
    faults.assert_kept(campaign, before)


def test_reduce_of_a_running_campaign_is_refused(campaign: Path) -> None:
    running = campaign_process("--resume", str(campaign), "--max-round", "100000", "-q",
                           env=DELAY)  # fmt: skip
    try:
        faults.wait_for_tests(campaign, 62, running)
        ended = faults.run("reduce", str(campaign))
        assert ended.code == exits.FAILED
        assert "another fuel process is running the campaign" in ended.line()
    finally:
        faults.stop(running, signal.SIGINT)


@pytest.mark.parametrize("kind", ["binary", "huge", "unreadable", "FIFO", "not a bug directory"])
def test_reduce_of_a_file_it_cannot_read_is_one_line(
    kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path, prefix = (tmp_path, ()) if kind == "not a bug directory" else bad_input(
        kind, tmp_path / "prog.py"
    )
    words = {"not a bug directory": "is not a bug directory",
             "unreadable": "is not readable"}.get(kind, "cannot read")  # fmt: skip
    ended = fuel_as(capfd, prefix, "reduce", str(path), "--out", str(tmp_path / "r"))
    assert ended.code == exits.FAILED, ended
    assert words in ended.line()


@pytest.mark.slow
def test_reduce_of_a_campaign_killed_at_a_random_moment_keeps_it_whole(campaign: Path) -> None:
    """Real workers: the bugs not yet processed stay so, for the next ``fuel reduce``."""
    before = faults.tests_of(campaign)
    running = faults.spawn("reduce", str(campaign))
    time.sleep(random.Random(SEED).uniform(1.0, 8.0))
    ended = faults.stop(running, signal.SIGKILL)
    assert ended.code in (-signal.SIGKILL, exits.OK), ended
    faults.assert_kept(campaign, before)
    status = faults.run("status", str(campaign), "--json")
    assert status.code == exits.OK and json.loads(status.out)["tests"] == 60


# ============================================================== fuel replay
@pytest.fixture
def bugless(tmp_path: Path) -> Path:
    """A campaign without bugs: replay reads its store, and no worker has to run."""
    out = tmp_path / "bugless"
    config = CampaignSettings(out=out, generator="toy", seed=5, max_rounds=3, jobs=1,
                              settings_mode="default")  # fmt: skip
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    session.start(config, QuietDisplay(), ["bugless"], wiring)
    assert not any((out / "bugs").iterdir())
    return out


@pytest.mark.parametrize("fault", ["full disk", "read-only disk"])
def test_replay_reads_a_campaign_on_a_full_or_read_only_disk(
    fault: str, bugless: Path, disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = Path(shutil.copytree(bugless, disk / "c"))
    faults.fill(disk) if fault == "full disk" else faults.remount_read_only(disk)
    ended = fuel(capfd, "replay", str(out))
    assert ended.code == exits.OK and ended.out == "no bugs to replay\n"
    ended.quiet()


def test_replay_into_a_full_stdout_is_one_line(bugless: Path) -> None:
    with open("/dev/full", "w") as full:
        ended = faults.finish(faults.spawn("replay", str(bugless), stdout=full.fileno()))
    assert ended.code == exits.FAILED and "cannot write the output" in ended.line()


def test_replay_beside_a_process_holding_the_campaign_reads_it(
    bugless: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with faults.held(bugless):
        ended = fuel(capfd, "replay", str(bugless))
    assert ended.code == exits.OK and ended.out == "no bugs to replay\n"
    ended.quiet()


@pytest.mark.parametrize("kind", ["binary", "huge", "FIFO", "a directory"])
def test_replay_passes_over_a_bug_whose_program_it_cannot_read(
    kind: str, campaign: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bugs = sorted(p for p in (campaign / "bugs").iterdir() if p.is_dir())
    for bug in bugs:
        (bug / "program.py").unlink()
        _, prefix = bad_input(kind, bug / "program.py")
    ended = fuel_as(capfd, prefix, "replay", *map(str, bugs))
    if kind in ("FIFO", "a directory"):  # no program file: not a bug directory at all
        assert ended.code == exits.FAILED and "neither a bug directory" in ended.line()
        return
    assert ended.code == exits.NOTHING_JUDGED, ended
    assert ended.out.count("SKIPPED") == len(bugs) and "no bug could be replayed" in ended.line()


@pytest.mark.slow
def test_replay_interrupted_while_it_runs_is_one_line(campaign: Path) -> None:
    """Real workers: Ctrl-C during a replay is one line and 130."""
    running = faults.spawn("replay", str(campaign))
    time.sleep(random.Random(SEED).uniform(0.5, 4.0))
    ended = faults.stop(running, signal.SIGINT)
    assert ended.shell_code in (exits.INTERRUPTED, exits.OK, exits.BUG), ended
    finished = " replayed: " in ended.out
    if ended.shell_code == exits.INTERRUPTED and not (
        finished and ended.killed_as_it_exited(signal.SIGINT)
    ):
        assert ended.line() == "fuel: interrupted"
