"""``fuel report OUT``: one self-contained HTML file about a campaign.

The plots are plotly figures; plotly.js is embedded once (about 4.5 MB), so the
file opens offline, in any browser, from anywhere. Bugs link to their repro and
report by paths relative to the HTML file, so the report travels with ``OUT``.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from fuel.report.campaign import CampaignData, read_campaign
from fuel.store.files import atomic_write

# The operator chart reads well up to this many bars; the table lists them all.
OPERATORS_DRAWN = 30
FIGURE_HEIGHT = 360
CONFIG = {"displaylogo": False, "responsive": True}


@functools.cache
def html_templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fuel.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def write_report(out: Path, target: Path) -> Path:
    atomic_write(target, campaign_html(out, target))
    return target


def campaign_html(out: Path, target: Path) -> str:
    """The report of the campaign in ``out``, its links made for a file at ``target``."""
    data = read_campaign(out, target.parent.resolve())
    return render_html(data, title=f"fuel campaign {out.resolve().name}")


def render_html(data: CampaignData, title: str) -> str:
    figures = [(name, _div(figure, name)) for name, figure in figures_of(data)]
    return (
        html_templates()
        .get_template("campaign.html.j2")
        .render(
            title=title,
            plotly_js=get_plotlyjs(),
            data=data,
            summary=data.summary,
            figures=figures,
            generated=time.strftime("%Y-%m-%d %H:%M:%S"),
        )
    )


def _div(figure: go.Figure, name: str) -> str:
    figure.update_layout(margin={"l": 60, "r": 30, "t": 60, "b": 50})
    if figure.layout.height is None:
        figure.update_layout(height=FIGURE_HEIGHT)
    return str(
        figure.to_html(
            full_html=False, include_plotlyjs=False, config=CONFIG, div_id=f"figure-{name}"
        )
    )


def figures_of(data: CampaignData) -> list[tuple[str, go.Figure]]:
    return [
        ("coverage", coverage_figure(data)),
        ("tests", tests_figure(data)),
        ("bugs", bugs_figure(data)),
        ("verdicts", verdicts_figure(data)),
        ("operators", operators_figure(data)),
    ]


def coverage_figure(data: CampaignData) -> go.Figure:
    minutes = [p.minutes for p in data.timeline]
    figure = go.Figure(
        go.Scatter(
            x=minutes,
            y=[p.covered_lines for p in data.timeline],
            mode="lines",
            name="covered lines",
        )
    )
    return figure.update_layout(
        title="Compiler lines covered over time",
        xaxis_title="campaign minutes",
        yaxis_title="lines",
    )


def tests_figure(data: CampaignData) -> go.Figure:
    minutes = [p.minutes for p in data.timeline]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Scatter(x=minutes, y=[p.tests for p in data.timeline], name="tests"))
    figure.add_trace(
        go.Scatter(x=minutes, y=[p.valid_share for p in data.timeline], name="valid %"),
        secondary_y=True,
    )
    figure.update_yaxes(title_text="tests", secondary_y=False)
    figure.update_yaxes(title_text="valid %", range=[0, 100], secondary_y=True)
    return figure.update_layout(
        title="Tests and valid share over time", xaxis_title="campaign minutes"
    )


def bugs_figure(data: CampaignData) -> go.Figure:
    minutes = [p.minutes for p in data.timeline]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=minutes, y=[p.bugs_unique for p in data.timeline], name="root causes", line_shape="hv"
        )
    )
    figure.add_trace(
        go.Scatter(
            x=minutes, y=[p.bugs_total for p in data.timeline], name="bug verdicts", line_shape="hv"
        )
    )
    return figure.update_layout(
        title="Bugs over time", xaxis_title="campaign minutes", yaxis_title="bugs"
    )


def verdicts_figure(data: CampaignData) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, subplot_titles=("verdicts", "bug kinds"))
    figure.add_trace(
        go.Bar(x=[o for o, _ in data.outcomes], y=[n for _, n in data.outcomes], name="tests"),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=[k for k, _ in data.bug_kinds], y=[n for _, n in data.bug_kinds], name="bug verdicts"
        ),
        row=1,
        col=2,
    )
    return figure.update_layout(title="Verdicts", showlegend=False)


def operators_figure(data: CampaignData) -> go.Figure:
    drawn = list(reversed(data.operators[:OPERATORS_DRAWN]))
    names = [op.name for op in drawn]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=("tests using it", "bugs per 100 tests"),
    )
    figure.add_trace(
        go.Bar(y=names, x=[op.tests for op in drawn], orientation="h", name="tests"), row=1, col=1
    )
    figure.add_trace(
        go.Bar(y=names, x=[op.bug_yield for op in drawn], orientation="h", name="bug yield"),
        row=1,
        col=2,
    )
    height = max(FIGURE_HEIGHT, 22 * len(drawn) + 120)
    title = f"Operators: use and yield (the {len(drawn)} most used)"
    figure.update_layout(title=title, showlegend=False)
    figure.update_layout(height=height)
    return figure
