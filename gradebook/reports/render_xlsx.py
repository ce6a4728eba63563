"""The ledger as an XLSX workbook (openpyxl, write-only: rows stream to the file). Never touches the ORM.

A summary sheet (figures per class, per grade, for the school), then one sheet per class. Every sheet:
header row frozen, print area set, A4 landscape fitted to the page width, header rows repeated on every
printed page, column widths fitted to the content. Marks are whole numbers, percentages numbers with a
percent format (83.33 % is stored as 0.8333), the mean a number; «н/а», «зач» and names are text, and a
text that starts like a formula (= + - @) is stored as text, never as a formula. The table's grid is the
sheet's gridlines, printed too, rather than a border on every cell (which openpyxl writes a good deal
slower); the header row has its own borders and fill.
"""

from io import BytesIO

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from gradebook.reports.figures import Figures
from gradebook.reports.labels import CHANGE, DASH, MEAN, PERCENT, figure_columns
from gradebook.reports.ledger import ClassLedger, Ledger, Progress

NUMBER_FORMATS = {PERCENT: "0.00%", MEAN: "0.00", CHANGE: "+0.00;-0.00;0.00"}
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E8ECF1")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
MAX_WIDTH = 42
PAPERSIZE_A4 = "9"  # the code of A4 in SpreadsheetML


def render_xlsx(ledger: Ledger, *, progress: Progress | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    styles = _Styles()
    _summary_sheet(workbook, ledger, styles)
    for done, school_class in enumerate(ledger.classes, start=1):
        _class_sheet(workbook, ledger, school_class, styles)
        if progress is not None:
            progress(done, len(ledger.classes))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# The looks of cells: what is set on them, in this order.
LOOKS = {
    "header": {"font": BOLD, "fill": HEAD_FILL, "alignment": CENTER, "border": BOX},
    "title": {"font": TITLE},
    "bold box": {"font": BOLD},
    "bold": {"font": BOLD},
    "box": {},
    "": {},
}


class _Styles:
    """The workbook's cell styles, each combination made once.

    Setting a font or a border on an openpyxl cell hashes the whole style object to find its index in
    the workbook, which costs more than writing the cell. So each combination of a look and a number
    format is set once, on a template cell, and the cells share its style indices (`_style`, which
    nothing changes afterwards). The workbook registers the styles in the order of first use, as
    before, so the file is the same."""

    def __init__(self):
        self.made: dict[tuple[str, str | None], StyleArray] = {}

    def get(self, ws, look: str, kind: str | None) -> StyleArray:
        style = self.made.get((look, kind))
        if style is None:
            template = WriteOnlyCell(ws)
            if kind:
                template.number_format = NUMBER_FORMATS[kind]
            for name, value in LOOKS[look].items():
                setattr(template, name, value)
            style = self.made[look, kind] = template._style
        return style


class _Sheet:
    """A write-only sheet whose rows are collected first, so widths and the print area can be set
    before the rows stream out (write-only sheets take column settings only before the first row)."""

    def __init__(self, workbook: Workbook, title: str, styles: _Styles):
        self.ws = workbook.create_sheet(title=_sheet_title(title))
        self.styles = styles
        self.rows: list[list] = []
        self.widths: dict[int, int] = {}

    def add(
        self,
        values: list,
        *,
        header: bool = False,
        bold: bool = False,
        title: bool = False,
        note: bool = False,
    ) -> int:
        """Adds a row. A title or a note (the lines above the table) runs across the page: its width is
        not fitted. Table cells have a box; an empty first cell (the number column of a figures row)
        has none."""
        if header:
            look = empty_look = "header"
        elif title:
            look = empty_look = "title"
        elif note:
            look = empty_look = ""
        else:
            look, empty_look = ("bold box", "bold") if bold else ("box", "")
        ws, style_of, widths = self.ws, self.styles.get, self.widths
        measured = not (title or note)
        cells = []
        for col, value in enumerate(values, start=1):
            kind = None
            if type(value) is tuple:  # (value, kind of number)
                value, kind = value
                if type(value) is str:
                    kind = None  # a text in a column of figures («too few to show») stays text
            cell = WriteOnlyCell(ws)
            if value is not None and value != "":
                cell.value = value / 100 if kind == PERCENT else value
                if type(value) is str:
                    cell.data_type = "s"  # even when it starts like a formula
                cell._style = style_of(ws, look, kind)
            elif value is not None or col > 1:
                cell._style = style_of(ws, look, None)  # an empty cell has no number format
            elif empty_look:
                cell._style = style_of(ws, empty_look, None)
            cells.append(cell)
            if measured and value is not None:
                widths[col] = max(widths.get(col, 4), _width(value, kind, header))
        self.rows.append(cells)
        return len(self.rows)

    def blank(self) -> None:
        self.rows.append([])

    def finish(self, *, header_row: int, freeze: str, left_header: str = "", right_header: str = "") -> None:
        ws = self.ws
        for col, width in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = width
        last_col = get_column_letter(max(len(r) for r in self.rows))
        ws.freeze_panes = freeze
        ws.print_area = f"A1:{last_col}{len(self.rows)}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = True
        ws.oddHeader.left.text = _header_text(left_header)
        ws.oddHeader.right.text = _header_text(right_header)
        ws.oddFooter.center.text = _("page &P of &N")
        for row in self.rows:
            ws.append(row)


def _width(value, kind: str | None, header: bool) -> int:
    """The width a value asks of its column, in characters."""
    if kind == PERCENT:
        longest = len("100.00 %")
    elif kind == MEAN:
        longest = len("0.00")
    elif kind == CHANGE:
        longest = len("+100.00")
    else:
        text = value if type(value) is str else str(value)
        longest = max(len(line) for line in text.split("\n")) if "\n" in text else len(text)
    return min(MAX_WIDTH, (longest // 2 + 2) if header and longest > 12 else longest + 2)


def _header_text(text: str) -> str:
    return text.replace("&", "&&")


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return title[:31]


def _figure_values(figures: Figures) -> list:
    values = []
    for _header, name, kind in figure_columns():
        value = getattr(figures, name)
        values.append(DASH if value is None else (value, kind) if kind else value)
    return values


def _document_head(sheet: _Sheet, ledger: Ledger, subtitle: str) -> None:
    sheet.add([f"{ledger.title}: {subtitle}"], title=True)
    sheet.add([ledger.school_name], note=True)
    made_on = _("made on %(date)s") % {"date": date_format(ledger.made_on, "SHORT_DATE_FORMAT")}
    sheet.add([f"{ledger.period_text}, {made_on}"], note=True)
    sheet.blank()


def _summary_sheet(workbook: Workbook, ledger: Ledger, styles: _Styles) -> None:
    sheet = _Sheet(workbook, _("Totals"), styles)
    _document_head(sheet, ledger, ledger.scope.scope_label)
    header = sheet.add([_("Class"), _("Class teacher"), *(h for h, _n, _f in figure_columns())], header=True)
    by_grade = {g.grade: g for g in ledger.grades}
    for i, school_class in enumerate(ledger.classes):
        sheet.add([school_class.name, school_class.teacher, *_figure_values(school_class.figures)])
        last_of_grade = i + 1 == len(ledger.classes) or ledger.classes[i + 1].grade != school_class.grade
        total = by_grade.get(school_class.grade)
        if last_of_grade and total is not None:
            sheet.add([total.label, "", *_figure_values(total.figures)], bold=True)
    if ledger.school is not None:
        sheet.add([_("School"), "", *_figure_values(ledger.school)], bold=True)
    sheet.finish(
        header_row=header,
        freeze=f"B{header + 1}",
        left_header=ledger.school_name,
        right_header=date_format(ledger.made_on),
    )


def _class_sheet(workbook: Workbook, ledger: Ledger, school_class: ClassLedger, styles: _Styles) -> None:
    sheet = _Sheet(workbook, school_class.name, styles)
    subtitle = pgettext("report scope", "class %(name)s") % {"name": school_class.name}
    if school_class.teacher:
        teacher = _("class teacher")
        subtitle += f", {teacher} {school_class.teacher}"
    _document_head(sheet, ledger, subtitle)
    header = sheet.add(
        [
            "№",
            pgettext("document", "Student"),
            *(s.short_name for s in school_class.subjects),
            pgettext("ledger", "Result"),
        ],
        header=True,
    )
    for number, row in enumerate(school_class.students, start=1):
        name = row.name
        if row.left:
            left_on = _("left on %(date)s") % {"date": date_format(row.left_on, "SHORT_DATE_FORMAT")}
            name += f" ({left_on})"
        result = row.category if not row.left else pgettext("student", "left")
        sheet.add([number, name, *row.cells, result])
    sheet.blank()
    for (label, _name, _format), value in zip(
        figure_columns(), _figure_values(school_class.figures), strict=True
    ):
        sheet.add([None, label, value])
    sheet.finish(
        header_row=header,
        freeze=f"C{header + 1}",
        left_header=ledger.school_name,
        right_header=f"{school_class.name} · {ledger.scope.period_label} · {date_format(ledger.made_on)}",
    )
