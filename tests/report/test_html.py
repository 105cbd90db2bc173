"""``fuel report``: a self-contained HTML file, checked as text and in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.report.campaign import operator_uses, read_campaign, thinned
from fuel.report.html import write_report
from tests.report.campaigns import add_reduction, make_campaign

ROOT = Path(__file__).parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIGURES = ("coverage", "tests", "bugs", "verdicts", "operators")


def bug_links(text: str) -> list[str]:
    table = text[text.index('<table id="bugs">') :]
    return re.findall(r'href="([^"]+)"', table[: table.index("</table>")])


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("campaign") / "out"
    ids = make_campaign(out)
    add_reduction(out / "bugs" / ids[0])
    html = out / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", "report", str(out)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {html}"
    return out, html


def test_campaign_data(campaign: tuple[Path, Path]) -> None:
    out, html = campaign
    data = read_campaign(out, html.parent)
    assert data.summary.tests == 30 and len(data.timeline) == 30
    assert dict(data.outcomes) == {"bug": 3, "invalid": 5, "pass": 22}
    assert dict(data.bug_kinds) == {"compile_crash": 2, "numeric_mismatch": 1}
    remainder = next(op for op in data.operators if op.name == "remainder")
    assert (remainder.tests, remainder.bugs) == (20, 2)
    first, second = data.bugs
    assert first.title == "[inductor] torch.remainder returns wrong values"
    assert first.reduced == "18 → 2" and first.repro == "confirmed"
    assert dict(first.links)["repro"] == f"bugs/{first.signature_id}/repro.py"
    assert dict(second.links) == {"program": f"bugs/{second.signature_id}/program.py"}


def test_html_is_self_contained(campaign: tuple[Path, Path]) -> None:
    _, html = campaign
    text = html.read_text()
    assert len(text) > 3_000_000  # plotly.js itself is inside
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)  # nothing to fetch
    for name in FIGURES:
        assert f'id="figure-{name}"' in text
    assert "&lt;b&gt;boom&lt;/b&gt;" in text and "<b>boom</b>" not in text  # escaped
    for href in bug_links(text):
        assert (html.parent / href).is_file(), href


def test_report_elsewhere_links_back(tmp_path: Path, campaign: tuple[Path, Path]) -> None:
    out, _ = campaign
    target = write_report(out, tmp_path / "elsewhere" / "r.html")
    links = bug_links(target.read_text())
    assert links
    for href in links:
        assert (target.parent / href).resolve().is_file(), href


def test_long_timelines_are_thinned_and_operators_counted() -> None:
    rows = list(range(10_000))
    kept = thinned(rows)
    assert len(kept) == 2000 and kept[0] == 0 and kept[-1] == 9_999
    uses = operator_uses([('["a", "b"]', "bug", True), ('["a"]', "pass", False), ("[]", "x", 0)])
    assert [(u.name, u.tests, u.bugs, u.new_bugs, u.bug_yield) for u in uses] == [
        ("a", 2, 1, 1, 50.0),
        ("b", 1, 1, 1, 100.0),
    ]


# CI installs chromium and sets FUEL_REQUIRE_CHROMIUM=1: there a missing browser fails.
@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("FUEL_REQUIRE_CHROMIUM"),
    reason="chromium is not installed (apt-get install chromium)",
)
def test_renders_in_headless_chromium_without_console_errors(
    campaign: tuple[Path, Path], tmp_path: Path
) -> None:
    _, html = campaign
    assert CHROMIUM is not None, "FUEL_REQUIRE_CHROMIUM is set and no chromium is installed"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=10000", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    dom = done.stdout
    for name in FIGURES:  # plotly drew each figure: an SVG inside its div
        start = dom.index(f'id="figure-{name}"')
        assert "main-svg" in dom[start : start + 5000], name
    assert dom.count('class="main-svg"') >= len(FIGURES)
    assert "torch.remainder returns wrong values" in dom


def test_an_empty_campaign_still_renders(tmp_path: Path) -> None:
    make_campaign(tmp_path / "out", tests=0)
    text = write_report(tmp_path / "out", tmp_path / "r.html").read_text()
    assert "No bugs yet." in text and 'id="figure-coverage"' in text
