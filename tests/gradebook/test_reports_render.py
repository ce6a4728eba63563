"""The ledger's files: the XLSX read back with openpyxl, the PDF read back with pdftotext; and the PDF's
URL fetcher, which reads the app's static files and nothing else."""

import logging
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from gradebook.reports.labels import figure_columns
from gradebook.reports.ledger import ledger
from gradebook.reports.render_pdf import BASE_URL, StaticOnlyFetcher, css_string, static_file_for
from gradebook.reports.render_xlsx import render_xlsx
from gradebook.services import enrolment_create
from tests.factories import StudentFactory
from tests.gradebook.reports_school import build_reports_school, set_term_mark


@pytest.fixture
def school(world):
    return build_reports_school(world)


@pytest.fixture
def school_ledger(world, school):
    with translation.override("ru"):
        yield ledger(scope="school", year=world.year, period=school.term.pk)


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _as_figure(cell_value, kind):
    """A figure read back from the sheet, in the selector's units (a percent cell holds a fraction)."""
    if cell_value == "—":
        return None
    if kind == "percent":
        return (Decimal(str(cell_value)) * 100).quantize(Decimal("0.01"))
    if kind == "mean":
        return Decimal(str(cell_value)).quantize(Decimal("0.01"))
    return cell_value


def test_xlsx_summary_sheet_has_the_selectors_figures_as_numbers(school_ledger):
    workbook = load_workbook(BytesIO(render_xlsx(school_ledger)))
    assert workbook.sheetnames[1:] == ["1А", "5А", "5Б"]
    summary = workbook.worksheets[0]
    rows = _rows(summary)
    header_index = next(i for i, r in enumerate(rows) if r[0] == "Класс")
    by_label = {r[0]: r for r in rows[header_index + 1 :] if r and r[0]}
    columns = figure_columns()
    expected = {
        "5А": school_ledger.classes[1].figures,
        "5Б": school_ledger.classes[2].figures,
        school_ledger.grades[1].label: school_ledger.grades[1].figures,
        "Школа": school_ledger.school,
    }
    for label, figures in expected.items():
        row = by_label[label]
        for (_header, name, kind), value in zip(columns, row[2:], strict=True):
            assert _as_figure(value, kind) == getattr(figures, name), (label, name)
    assert by_label["Школа"][2:] == [7, 6, 1, 2, 1, 2, 1, 1, pytest.approx(0.6667), 0.5, 0.68, 4]
    # 1А has no numeric figures: shown «—», as text.
    assert by_label["1А"][10:] == ["—", "—", "—", "—"]
    # Numbers are numbers, with the percent format.
    row_5a = next(r for r in summary.iter_rows() if r[0].value == "5А")
    success, mean = row_5a[10], row_5a[13]  # 5А's успеваемость and средний балл
    assert success.data_type == "n" and success.number_format == "0.00%" and success.value == 0.6
    assert mean.data_type == "n" and mean.number_format == "0.00" and mean.value == 4


def test_xlsx_class_sheet_has_every_mark_as_a_number_and_texts_as_text(school_ledger):
    workbook = load_workbook(BytesIO(render_xlsx(school_ledger)))
    sheet = workbook["5А"]
    rows = _rows(sheet)
    header_index = next(i for i, r in enumerate(rows) if r[0] == "№")
    assert rows[header_index][2:5] == ["Мат", "Рус", "ОРКСЭ"]
    class_a = school_ledger.classes[1]
    for offset, student in enumerate(class_a.students, start=1):
        row = rows[header_index + offset]
        assert row[0] == offset
        assert row[1].startswith(student.name)
        assert tuple(row[2:5]) == student.cells
    anna = sheet.cell(row=header_index + 2, column=3)
    assert (anna.value, anna.data_type) == (5, "n")
    zhanna = rows[header_index + 6]
    assert (
        zhanna[1] == "Жаннина Жанна"
        and zhanna[2] == "н/а"
        and zhanna[4] == "зач"
        and zhanna[5] == "не аттестован"
    )
    egor = rows[header_index + 5]
    assert egor[1].startswith("Егоров Егор (выбыл(а)") and egor[5] == "выбыл(а)"
    figures = {r[1]: r[2] for r in rows[header_index + len(class_a.students) + 2 :] if r and r[1]}
    assert figures["Учащихся"] == 5 and figures["Успеваемость, %"] == 0.6 and figures["СОУ, %"] == 0.6844


def test_xlsx_sheets_are_set_up_for_printing(school_ledger):
    workbook = load_workbook(BytesIO(render_xlsx(school_ledger)))
    for sheet in workbook.worksheets:
        header_row = next(r[0].row for r in sheet.iter_rows() if r[0].value in ("Класс", "№"))
        assert sheet.freeze_panes in (f"B{header_row + 1}", f"C{header_row + 1}")
        assert sheet.print_area and sheet.print_area.startswith(f"'{sheet.title}'!$A$1:")
        assert sheet.print_area.endswith(f"${sheet.max_row}")
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == f"${header_row}:${header_row}"
        assert sheet.column_dimensions["B"].width >= 12
    assert workbook["5А"].column_dimensions["B"].width >= len("Егоров Егор (выбыл(а) 20.09.2026)")


def test_xlsx_text_that_looks_like_a_formula_stays_text(world, school):
    joker = StudentFactory(last_name='=HYPERLINK("http://evil")', first_name="+1")
    enrolment_create(student=joker, school_class=world.class_b, start_date=world.year.start_date)
    set_term_mark(world, world.math_b, joker, school.term, "5")
    result = ledger(scope="class", year=world.year, class_id=world.class_b.pk, period=school.term.pk)
    sheet = load_workbook(BytesIO(render_xlsx(result)))["5Б"]
    names = [c for c in sheet["B"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(names) == 1 and names[0].data_type == "s"
    assert names[0].value == '=HYPERLINK("http://evil") +1'


PDFTOTEXT, PDFFONTS = shutil.which("pdftotext"), shutil.which("pdffonts")


@pytest.mark.skipif(not (PDFTOTEXT and PDFFONTS), reason="poppler-utils (pdftotext) is not installed")
def test_pdf_has_the_cyrillic_school_name_the_figures_and_page_numbers(school_ledger, tmp_path):
    from gradebook.reports.render_pdf import render_pdf

    steps = []
    progress_log = logging.getLogger("weasyprint.progress")
    before = (progress_log.level, progress_log.propagate, list(progress_log.handlers))
    with translation.override("ru"):
        content = render_pdf(school_ledger, progress=lambda done, total: steps.append(done * 100 // total))
    assert content.startswith(b"%PDF")
    assert steps[0] == 10 and steps[-1] == 100 and len(steps) > 5  # page by page, not only at the end
    assert (progress_log.level, progress_log.propagate, progress_log.handlers) == before
    path = tmp_path / "ledger.pdf"
    path.write_bytes(content)
    run = {"capture_output": True, "check": True}
    text = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], **run).stdout.decode()  # noqa: S603
    assert "МБОУ «Тестовая школа»" in text
    assert "Сводная ведомость итогов успеваемости" in text
    assert "68,44" in text and "66,67" in text  # 5А's СОУ, the school's успеваемость
    assert "Аннина Анна" in text and "Фомин Фома" in text
    pages = text.count("\f")
    assert pages == 3  # one page per class (the first right under the title), the summary after the last
    assert f"стр. 1 из {pages}" in text and f"стр. {pages} из {pages}" in text
    assert (
        not text.split("\f")[0].strip().endswith("Сводная ведомость итогов успеваемости")
    )  # no empty first page
    fonts = subprocess.run([PDFFONTS, str(path)], **run).stdout.decode()  # noqa: S603
    assert "DejaVu-Sans" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())  # embedded


def test_the_pdf_fetcher_serves_static_files_only():
    css = static_file_for(f"{BASE_URL}static/css/report_print.css")
    assert css is not None and css.name == "report_print.css"
    for url in (
        "file:///etc/passwd",
        "http://example.org/static/css/report_print.css",
        "https://report.invalid/media/reports/x.pdf",
        "https://report.invalid/static/../config/settings.py",
        "https://report.invalid/static/%2e%2e/config/settings.py",
        "https://report.invalid/static/css/report_print.css?x=1",
        "data:text/plain,hello",
    ):
        assert static_file_for(url) is None, url
        with pytest.raises(ValueError):
            StaticOnlyFetcher().fetch(url)


def test_css_strings_are_escaped():
    assert css_string('МБОУ "Школа" </style>') == '"МБОУ \\22 Школа\\22  \\3c /style\\3e "'
