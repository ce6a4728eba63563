"""A report laid out for people: titled sections of tables, charts and facts. Plain frozen data, no ORM.

Every report but the ledger (which has its own richer layout) is a selector that returns the report's own
dataclass, and a `layout` function that places its numbers into a `Document`. The page, the XLSX and the
PDF all render that one Document (`templates/reports/_document_body.html`, `render_document`), so the three
show the same numbers by construction; renderers only format.

A cell is a whole number, a Decimal (shown with two decimals), a text, None (empty), or a `Figure` that
says how to show its number (a percentage, a mean). A column's `kind` is the default for its cells.
A chart is drawn as SVG on the page and in the PDF, and becomes a table in the XLSX.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from gradebook.reports.labels import CHANGE, MEAN, PERCENT

__all__ = [
    "CHANGE",
    "MEAN",
    "PERCENT",
    "Chart",
    "Column",
    "Document",
    "Facts",
    "Figure",
    "Row",
    "Section",
    "Series",
]


class Figure(NamedTuple):
    """A number with the way to show it: PERCENT (83.33 %), MEAN (4.25), CHANGE (+8.33) or None (as is)."""

    value: int | Decimal | None
    kind: str | None = None


Cell = int | Decimal | str | Figure | None


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str | None = None  # PERCENT, MEAN, CHANGE or None: how the column's numbers are shown
    name: bool = False  # a column of names: left-aligned, never wrapped
    heat: bool = False  # a heat-map column of shares (0–100): page and PDF colour each cell by its value


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    total: bool = False  # a total line: bold
    muted: bool = False  # a line shown for completeness (a student who left): grey
    warn: bool = False  # a line that needs attention: marked


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    title: str = ""
    empty: str = ""  # shown instead of an empty table

    def __post_init__(self):
        for row in self.rows:
            if len(row.cells) != len(self.columns):
                raise ValueError(f"a row of {len(row.cells)} cells in a table of {len(self.columns)} columns")


@dataclass(frozen=True, slots=True)
class Facts:
    """Label → value lines (counts at the start and the end of a period…)."""

    items: tuple[tuple[str, Cell], ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: tuple[Decimal | int | None, ...]  # one per x label; None leaves a gap


@dataclass(frozen=True, slots=True)
class Chart:
    """A line chart of a few series over the same x labels (terms, years)."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_min: Decimal | int = 0
    y_max: Decimal | int = 100
    kind: str | None = None  # how the values are shown in the XLSX table and the labels

    def __post_init__(self):
        for series in self.series:
            if len(series.values) != len(self.x_labels):
                raise ValueError(f"series {series.label!r} has {len(series.values)} values")

    @property
    def table(self) -> Table:
        """The chart as a table: a row per series, a column per x label (how the XLSX shows it)."""
        columns = (Column("", name=True), *(Column(x, self.kind) for x in self.x_labels))
        rows = tuple(Row((s.label, *s.values)) for s in self.series)
        return Table(columns, rows, title=self.title)


Block = Table | Facts | Chart


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    sheet: str = ""  # the XLSX sheet's name; sections without one go on the sheet before them
    anchor: str = ""  # the page's table of contents links here


@dataclass(frozen=True)
class Document:
    title: str  # «Отчет классного руководителя»
    subtitle: str  # «5А · 1 четверть 2026/2027 учебного года»
    school_name: str
    made_on: date
    file_stem: str
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default=())  # how the figures are counted, shown under the title

    @property
    def toc(self) -> list[Section]:
        return [s for s in self.sections if s.anchor]
