"""Template helpers of report documents (gradebook.reports.document): cells as text, charts as SVG."""

from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join

from gradebook.reports.document import Chart, Facts, Figure, Table
from gradebook.reports.labels import CHANGE, DASH, change_text, figure_text

register = template.Library()

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 40
PALETTE = ("#1f5fa8", "#c0392b", "#2e8b57", "#b8860b", "#6a3d9a", "#e67e22", "#17becf", "#7f7f7f")


@register.filter
def block_type(block) -> str:
    """`{% if block|block_type == "table" %}`: which kind of block to draw."""
    if isinstance(block, Chart):
        return "chart"
    if isinstance(block, Facts):
        return "facts"
    if isinstance(block, Table):
        return "table"
    return ""


@register.simple_tag
def cell_text(value, kind=None) -> str:
    """A cell as shown on the page and in the PDF: «83,33», «4», «—» for an undefined figure, «» for none."""
    if isinstance(value, Figure):
        value, kind = value.value, value.kind
    if value is None:
        return DASH if kind else ""
    if kind == CHANGE and isinstance(value, int | Decimal):
        return change_text(value)
    if isinstance(value, int | Decimal):
        return figure_text(value)
    return str(value)


@register.filter
def is_number(value) -> bool:
    if isinstance(value, Figure):
        return True
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


@register.filter
def heat_class(value, column) -> str:
    """« heat-0» … « heat-4» for a share (0–100) in a heat-map column: fifths of the scale; «» otherwise."""
    if isinstance(value, Figure):
        value = value.value
    if not getattr(column, "heat", False) or not isinstance(value, int | Decimal) or isinstance(value, bool):
        return ""
    return f" heat heat-{min(4, max(0, int(value) // 20))}"


@register.filter
def zip_columns(cells, columns):
    """`{% for cell, column in row.cells|zip_columns:table.columns %}`."""
    return zip(cells, columns, strict=True)


@register.simple_tag
def chart_svg(chart: Chart) -> str:
    """The chart as inline SVG: the y grid, a line with dots per series, the x labels and a legend.
    No script, no external file: it shows the same on the page (under the CSP) and in the PDF. Every text
    goes through format_html, so names typed into the school's data stay text."""
    lo, hi = float(chart.y_min), float(chart.y_max)
    span = (hi - lo) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(chart.x_labels)

    def x(i: int) -> str:
        return f"{LEFT + (plot_w * (i + 0.5) / n if n else 0):.1f}"

    def y(v) -> str:
        return f"{TOP + plot_h * (1 - (float(v) - lo) / span):.1f}"

    parts = []
    for step in range(5):
        value = lo + span * step / 4
        label = cell_text(Decimal(str(round(value, 2))).normalize())
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d5dae0" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#555">{}</text>',
                LEFT,
                y(value),
                WIDTH - RIGHT,
                y(value),
                LEFT - 6,
                f"{float(y(value)) + 3:.1f}",
                label,
            )
        )
    for i, label in enumerate(chart.x_labels):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#333">{}</text>',
                x(i),
                HEIGHT - BOTTOM + 14,
                label,
            )
        )
    for k, series in enumerate(chart.series):
        color = PALETTE[k % len(PALETTE)]
        for run in _runs(series.values):
            if len(run) > 1:
                points = " ".join(f"{x(i)},{y(v)}" for i, v in run)
                parts.append(
                    format_html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', points, color
                    )
                )
            for i, value in run:
                parts.append(
                    format_html(
                        '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {}</title></circle>',
                        x(i),
                        y(value),
                        color,
                        series.label,
                        cell_text(value, chart.kind),
                    )
                )
        if k < 4:  # more than four series: the table under the chart names them
            lx = LEFT + k * 170
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                    '<text x="{}" y="{}" font-size="10" fill="#333">{}</text>',
                    lx,
                    HEIGHT - 20,
                    color,
                    lx + 14,
                    HEIGHT - 11,
                    series.label[:28],
                )
            )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" role="img" aria-label="{title}">{body}</svg>',
        w=WIDTH,
        h=HEIGHT,
        title=chart.title,
        body=format_html_join("", "{}", ((p,) for p in parts)),
    )


def _runs(values) -> list[list[tuple[int, object]]]:
    """The unbroken runs of (index, value) of a series: a missing value (None) breaks the line."""
    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((i, value))
    if run:
        runs.append(run)
    return runs
