"""The ledger as an XLSX workbook (openpyxl, write-only: rows stream to the file). Never touches the ORM.

A summary sheet (figures per class, per grade, for the school), then one sheet per class. Every sheet:
header row frozen, print area set, A4 landscape fitted to the page width, header rows repeated on every
printed page, column widths fitted to the content. Marks are whole numbers, percentages numbers with a
percent format (83.33 % is stored as 0.8333), the mean a number; «н/а», «зач» and names are text, and a
text that starts like a formula (= + - @) is stored as text, never as a formula.
"""

from io import BytesIO

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
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
    _summary_sheet(workbook, ledger)
    for done, school_class in enumerate(ledger.classes, start=1):
        _class_sheet(workbook, ledger, school_class)
        if progress is not None:
            progress(done, len(ledger.classes))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Sheet:
    """A write-only sheet whose rows are collected first, so widths and the print area can be set
    before the rows stream out (write-only sheets take column settings only before the first row)."""

    def __init__(self, workbook: Workbook, title: str):
        self.ws = workbook.create_sheet(title=_sheet_title(title))
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
        not fitted."""
        cells = []
        for col, value in enumerate(values, start=1):
            if isinstance(value, tuple):  # (value, kind of number)
                value, kind = value
            else:
                kind = None
            cell = self._cell(value, kind)
            if header:
                cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, CENTER, BOX
            elif title:
                cell.font = TITLE
            elif not note:
                if bold:
                    cell.font = BOLD
                if value is not None or col > 1:
                    cell.border = BOX
            cells.append(cell)
            if not (title or note):
                self._measure(col, value, kind, header)
        self.rows.append(cells)
        return len(self.rows)

    def blank(self) -> None:
        self.rows.append([])

    def _cell(self, value, kind):
        cell = WriteOnlyCell(self.ws)
        if value is None or value == "":
            return cell
        if isinstance(value, str):  # a text in a column of figures («too few to show») stays text
            cell.value = value
            cell.data_type = "s"  # even when it starts like a formula
            return cell
        cell.value = value / 100 if kind == PERCENT else value
        if kind:
            cell.number_format = NUMBER_FORMATS[kind]
        return cell

    def _measure(self, col, value, kind, header):
        if value is None:
            return
        if kind == PERCENT:
            text = "100.00 %"
        elif kind == MEAN:
            text = "0.00"
        elif kind == CHANGE:
            text = "+100.00"
        else:
            text = str(value)
        longest = max(len(line) for line in text.split("\n"))
        width = min(MAX_WIDTH, (longest // 2 + 2) if header and longest > 12 else longest + 2)
        self.widths[col] = max(self.widths.get(col, 4), width)

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
        ws.print_options.gridLines = False
        ws.oddHeader.left.text = _header_text(left_header)
        ws.oddHeader.right.text = _header_text(right_header)
        ws.oddFooter.center.text = _("page &P of &N")
        for row in self.rows:
            ws.append(row)


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


def _summary_sheet(workbook: Workbook, ledger: Ledger) -> None:
    sheet = _Sheet(workbook, _("Totals"))
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


def _class_sheet(workbook: Workbook, ledger: Ledger, school_class: ClassLedger) -> None:
    sheet = _Sheet(workbook, school_class.name)
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
