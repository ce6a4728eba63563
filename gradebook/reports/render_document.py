"""A `Document` as XLSX and as PDF. Never touches the ORM; the numbers are the Document's, only formatted.

XLSX: a sheet per section that names one (the sections after it, until the next named one, go on the same
sheet), every sheet with the document's head, its tables one under another, the first table's header
frozen, the print area set, A4 landscape fitted to the width, widths fitted — the same `_Sheet` as the
ledger. Charts become tables (a row per series). Numbers are stored as numbers.

PDF: `templates/reports/document.html` (the same body as the page) through WeasyPrint, with the school and
the date at the top of every page and «page N of M» at the bottom (render_pdf.html_to_pdf).
"""

from io import BytesIO

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gradebook.reports.document import Chart, Document, Facts, Figure, Table
from gradebook.reports.labels import DASH
from gradebook.reports.ledger import Progress
from gradebook.reports.render_pdf import html_to_pdf
from gradebook.reports.render_xlsx import _Sheet, _sheet_title, _Styles


def render_document_xlsx(document: Document, *, progress: Progress | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    sheets = _sheet_groups(document)
    names: set[str] = set()
    styles = _Styles()
    for done, (name, sections) in enumerate(sheets, start=1):
        sheet = _Sheet(workbook, _unique(name, names), styles)
        _head(sheet, document)
        header_row = None
        for section in sections:
            if section.title:
                sheet.add([section.title], title=True)
            for block in section.blocks:
                row = _block(sheet, block)
                header_row = header_row or row
                sheet.blank()
        sheet.finish(
            header_row=header_row or 1,
            freeze=f"B{header_row + 1}" if header_row else "A2",
            left_header=document.school_name,
            right_header=date_format(document.made_on),
        )
        if progress is not None:
            progress(done, len(sheets))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def render_document_pdf(document: Document, *, progress: Progress | None = None) -> bytes:
    html = render_to_string(
        "reports/document.html", {"document": document, "LANGUAGE_CODE": translation.get_language()}
    )
    if progress is not None:
        progress(10, 100)
    made_on = _("made on %(date)s") % {"date": date_format(document.made_on, "SHORT_DATE_FORMAT")}
    pages = max(1, len(document.sections))
    return html_to_pdf(html, left=document.school_name, right=made_on, progress=progress, pages=pages)


def _sheet_groups(document: Document) -> list[tuple[str, list]]:
    groups: list[tuple[str, list]] = []
    for section in document.sections:
        if section.sheet or not groups:
            groups.append((section.sheet or document.title, [section]))
        else:
            groups[-1][1].append(section)
    return groups or [(document.title, [])]


def _unique(name: str, taken: set[str]) -> str:
    base = _sheet_title(name) or "1"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _head(sheet: _Sheet, document: Document) -> None:
    sheet.add([document.title], title=True)
    sheet.add([document.school_name], note=True)
    made_on = _("made on %(date)s") % {"date": date_format(document.made_on, "SHORT_DATE_FORMAT")}
    sheet.add([f"{document.subtitle}, {made_on}"], note=True)
    for note in document.notes:
        sheet.add([note], note=True)
    sheet.blank()


def _block(sheet: _Sheet, block) -> int | None:
    """Writes a block; returns the row of a table's header."""
    if isinstance(block, Chart):
        block = block.table
    if isinstance(block, Facts):
        if block.title:
            sheet.add([block.title], bold=True, note=True)
        for label, value in block.items:
            sheet.add([label, xlsx_value(value, None)])
        return None
    assert isinstance(block, Table)
    if block.title:
        sheet.add([block.title], bold=True, note=True)
    header = sheet.add([c.header for c in block.columns], header=True)
    if not block.rows and block.empty:
        sheet.add([block.empty], note=True)
    for row in block.rows:
        sheet.add(
            [xlsx_value(v, c.kind) for v, c in zip(row.cells, block.columns, strict=True)], bold=row.total
        )
    return header


def xlsx_value(value, kind: str | None):
    """A cell for `_Sheet.add`: a (number, kind) pair for figures, «—» for an undefined figure."""
    if isinstance(value, Figure):
        value, kind = value.value, value.kind
    if value is None:
        return DASH if kind else None
    return (value, kind) if kind else value
