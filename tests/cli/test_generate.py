"""``fuel generate``: files written, the same for the same seed, one-line usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.cli.main import main
from fuel.program import load_file
from tests.generate.subset import subset_catalog


@pytest.fixture(autouse=True)
def small_catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The test catalog instead of the full one (which takes a minute to build)."""
    monkeypatch.setattr("fuel.generate.builtin.load_catalog", subset_catalog)
    monkeypatch.setattr("fuel.catalog.cache.cache_path", lambda: Path(__file__))  # "cached"


def test_writes_n_loadable_programs_deterministically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["generate", "-n", "3", "--seed", "40", "--out", str(first)]) == 0
    assert main(["generate", "-n", "3", "--seed", "40", "--out", str(second)]) == 0
    names = sorted(p.name for p in first.glob("*.py"))
    assert names == ["builtin_40.py", "builtin_41.py", "builtin_42.py"]
    for name in names:
        assert (first / name).read_text() == (second / name).read_text()
        load_file(first / name)
    assert "3 programs written" in capsys.readouterr().out


def test_requested_operators_appear_in_every_program(tmp_path: Path) -> None:
    assert main(["generate", "-n", "2", "--out", str(tmp_path), "--ops", "gather,nn.LSTM"]) == 0
    for path in tmp_path.glob("*.py"):
        header = path.read_text().splitlines()[0]
        assert "gather" in header and "nn.LSTM" in header


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ops", "add,nope"], "unknown operator 'nope'"),
        (["--ops", "Add"], "unknown operator 'Add'"),
        ([], "--out DIR is required"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ["--out", str(tmp_path / "x")] if args else []
    assert main(["generate", "-n", "1", *out, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "x").exists()


def test_list_ops_prints_the_usable_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--list-ops"]) == 0
    names = capsys.readouterr().out.split()
    assert names == list(subset_catalog().names())
