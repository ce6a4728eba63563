"""The reports' performance budget: the сводная ведомость measured in one run against plain baselines.

    .venv/bin/python bench/report_bench.py --students 1100                          # make bench
    .venv/bin/python bench/report_bench.py --students 200 --repeats 3 --no-fail     # the CI smoke run
    .venv/bin/python bench/report_bench.py --reuse --database-url postgres://…/bench_big   # a school built before

Builds the demo school with a full year of marks (its journal filled to the last day of the last term)
in a scratch database, configures Django in this process as production runs it, and measures, each
against a baseline measured in the same run (medians of --repeats, interleaved with their baselines):

- the school's ledger for the year (`ledger_build`) against one hand-written SQL query that computes the
  same per-class figures from the annual marks and the enrolments; first the bench checks that the
  query's figures equal the ledger's for every class;
- the ledger and its XLSX (`ledger_build` + `render_xlsx`) against a plain query of the same cells
  (students × subjects) written to a bare openpyxl write-only workbook; the bench checks that both hold
  the same number of results. For reference, the same bare workbook with a border on every cell, as the
  ledger's table cells have: openpyxl's own cost of styled cells;
- the PDF of the largest class (`render_pdf`) against WeasyPrint rendering the same finished HTML with
  the same style sheet and page margins (checked: the same number of pages);
- the peak memory (tracemalloc) of the school's ledger and of its ledger and XLSX, and the same per
  1,000 students listed, which is what should not grow with the school;
- with --school-pdf, the school's whole PDF once, for reference.

Exit code 1 if a limit is missed (unless --no-fail), 2 if the run could not be carried out.
"""

import argparse
import gc
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import fields
from io import BytesIO
from itertools import groupby
from operator import itemgetter
from pathlib import Path

# Run as a script (bench/…py): the repository root, not bench/, must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    BenchError,
    Row,
    Stats,
    app_environment,
    collect_static,
    django_setup,
    failed,
    format_table,
    prepare_school,
    scratch_database,
    time_limit,
)

DATA_LIMIT = 2  # ledger_build × the SQL that computes the same figures
XLSX_LIMIT = 1.5  # ledger_build + render_xlsx × the SQL of the same cells + a bare write-only workbook
PDF_LIMIT = 1.2  # render_pdf of a class × WeasyPrint rendering the same finished HTML

COUNTED = ("five_point", "pass_fail")  # ledger.COUNTED_SCALES: the scales whose results are figures
SHOWN = (*COUNTED, "basic_level")  # ledger.SHOWN_SCALES: the columns of the ledger


# Baseline A: the figures in one SQL query ----------------------------------------------------------------

# Per grade, the first and last day of the period (the term, or the span of the grade's terms for the
# year); per class and student, whether one of their enrolments overlapping the period reaches its last
# day (the others left: not counted); per class and student, their results in the counted subjects;
# then, for the present students, the categories of DESIGN §4 and their sums per class.
FIGURES_SQL = """
WITH bounds AS (
    SELECT gs.grade, MIN(t.start_date) AS first_day, MAX(t.end_date) AS last_day
    FROM gradebook_gradetermscheme gs
    JOIN gradebook_term t ON t.academic_year_id = gs.academic_year_id AND t.scheme = gs.scheme
    WHERE gs.academic_year_id = %s {term_filter}
    GROUP BY gs.grade
),
members AS (
    SELECT e.school_class_id AS class_id, e.student_id,
           MAX(CASE WHEN e.end_date IS NULL OR e.end_date >= b.last_day THEN 1 ELSE 0 END) AS present
    FROM gradebook_enrolment e
    JOIN gradebook_schoolclass c ON c.id = e.school_class_id
    JOIN bounds b ON b.grade = c.grade
    WHERE c.academic_year_id = %s
      AND e.start_date <= b.last_day AND (e.end_date IS NULL OR e.end_date >= b.first_day)
    GROUP BY e.school_class_id, e.student_id
),
results AS (
    SELECT cs.school_class_id AS class_id, tm.student_id,
           COUNT(*) AS results,
           SUM(CASE WHEN tm.value = 1 THEN 1 ELSE 0 END) AS n1,
           SUM(CASE WHEN tm.value = 2 THEN 1 ELSE 0 END) AS n2,
           SUM(CASE WHEN tm.value = 3 THEN 1 ELSE 0 END) AS n3,
           SUM(CASE WHEN tm.value = 4 THEN 1 ELSE 0 END) AS n4,
           SUM(CASE WHEN tm.value = 5 THEN 1 ELSE 0 END) AS n5,
           SUM(CASE WHEN tm.value IS NULL AND NOT tm.not_attested AND NOT tm.passed THEN 1 ELSE 0 END)
               AS failed_courses,
           SUM(CASE WHEN tm.not_attested THEN 1 ELSE 0 END) AS not_attested_in
    FROM gradebook_termmark tm
    JOIN gradebook_classsubject cs ON cs.id = tm.class_subject_id
    JOIN gradebook_schoolclass c ON c.id = cs.school_class_id
    WHERE c.academic_year_id = %s AND cs.scale IN ({counted}) AND {period_filter}
    GROUP BY cs.school_class_id, tm.student_id
),
standings AS (
    SELECT m.class_id, r.n1, r.n2, r.n3, r.n4, r.n5,
           CASE WHEN r.results > 0 THEN 1 ELSE 0 END AS assessed,
           CASE WHEN r.n1 + r.n2 + r.failed_courses > 0 THEN 1 ELSE 0 END AS failing,
           CASE WHEN r.not_attested_in > 0 THEN 1 ELSE 0 END AS not_attested,
           CASE WHEN r.n1 + r.n2 + r.failed_courses = 0 AND r.not_attested_in = 0 THEN 1 ELSE 0 END AS passing,
           CASE WHEN r.n1 + r.n2 + r.failed_courses = 0 AND r.not_attested_in = 0
                 AND r.n3 + r.n4 + r.n5 > 0 THEN 1 ELSE 0 END AS clean
    FROM members m
    LEFT JOIN results r ON r.class_id = m.class_id AND r.student_id = m.student_id
    WHERE m.present = 1
)
SELECT class_id,
       COUNT(*),
       SUM(assessed),
       SUM(passing),
       SUM(CASE WHEN clean = 1 AND n5 = n3 + n4 + n5 THEN 1 ELSE 0 END),
       SUM(CASE WHEN clean = 1 AND n3 = 0 AND n4 >= 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN clean = 1 AND n3 = 1 THEN 1 ELSE 0 END),
       SUM(CASE WHEN clean = 1 AND n3 = 0 AND n4 = 1 THEN 1 ELSE 0 END),
       SUM(failing),
       SUM(not_attested),
       COALESCE(SUM(n1), 0), COALESCE(SUM(n2), 0), COALESCE(SUM(n3), 0), COALESCE(SUM(n4), 0),
       COALESCE(SUM(n5), 0)
FROM standings
GROUP BY class_id
"""


def _period_sql(period) -> tuple[str, str, list]:
    """(the filter of the terms in `bounds`, the filter of the marks, their parameters in order)."""
    if period == "year":
        return "", "tm.kind = 'annual' AND tm.term_id IS NULL", []
    return "AND t.id = %s", "tm.kind = 'term' AND tm.term_id = %s", [period, period]


def sql_figures(checked) -> dict:
    """Class id → `Figures` of the checked scope's period, computed by FIGURES_SQL (for the whole school,
    whatever the scope). Students are counted as the ledger counts them; the percentages are the same
    pure functions of the counts."""
    from django.db import connection

    from gradebook.reports.figures import Figures

    term_filter, period_filter, period_params = _period_sql(checked.period)
    sql = FIGURES_SQL.format(
        term_filter=term_filter,
        period_filter=period_filter,
        counted=", ".join(f"'{scale}'" for scale in COUNTED),
    )
    params = [checked.year_id, *period_params[:1], checked.year_id, checked.year_id, *period_params[1:]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        class_id: Figures(*(int(n) for n in counts[:9]), marks=tuple(int(n) for n in counts[9:]))
        for class_id, *counts in rows
    }


FIGURE_COUNTS = ("students", "assessed", "passing", "excellent", "good", "one_three", "one_four")
FIGURE_COUNTS += ("failing", "not_attested", "marks")


def figures_disagree(ledger, by_class: dict) -> list[str]:
    """Where the ledger's class figures differ from `by_class` (class id → Figures; a class missing there
    has no student counted): one line per class and figure."""
    from gradebook.reports.figures import Figures

    assert tuple(f.name for f in fields(Figures)) == FIGURE_COUNTS, "Figures changed: update FIGURES_SQL"
    problems = []
    for school_class in ledger.classes:
        other = by_class.get(school_class.id, Figures())
        for name in FIGURE_COUNTS:
            mine, theirs = getattr(school_class.figures, name), getattr(other, name)
            if mine != theirs:
                problems.append(f"{school_class.name}: {name} is {mine} in the ledger, {theirs} in the SQL")
    for class_id in by_class.keys() - {c.id for c in ledger.classes}:
        problems.append(f"class id {class_id} is in the SQL's figures, not in the ledger")
    return problems


# Baseline B: the same cells, read plainly and written to a bare workbook -----------------------------------

CELLS_SQL = """
SELECT cs.school_class_id, tm.student_id, s.last_name, s.first_name, cs.id, tm.value, tm.passed,
       tm.not_attested
FROM gradebook_termmark tm
JOIN gradebook_classsubject cs ON cs.id = tm.class_subject_id
JOIN gradebook_schoolclass c ON c.id = cs.school_class_id
JOIN accounts_student s ON s.id = tm.student_id
WHERE c.academic_year_id = %s AND cs.scale IN ({shown}) AND {period_filter}
ORDER BY c.grade, c.letter, s.last_name, s.first_name, s.id
"""
COLUMNS_SQL = """
SELECT cs.school_class_id, cs.id, subj.short_name
FROM gradebook_classsubject cs
JOIN gradebook_subject subj ON subj.id = cs.subject_id
JOIN gradebook_schoolclass c ON c.id = cs.school_class_id
WHERE c.academic_year_id = %s AND cs.scale IN ({shown})
ORDER BY cs.school_class_id, subj."order", subj.name
"""


def sql_cells(checked) -> tuple[dict, list[tuple]]:
    """(class id → [(curriculum line, subject short name)], the period's results ordered by class and
    student name): what the ledger's mark tables show, as two plain queries."""
    from django.db import connection

    _term_filter, period_filter, period_params = _period_sql(checked.period)
    shown = ", ".join(f"'{scale}'" for scale in SHOWN)
    with connection.cursor() as cursor:
        cursor.execute(COLUMNS_SQL.format(shown=shown), [checked.year_id])
        columns = {
            class_id: [(line, name) for _c, line, name in lines]
            for class_id, lines in groupby(cursor.fetchall(), key=itemgetter(0))
        }
        cursor.execute(
            CELLS_SQL.format(shown=shown, period_filter=period_filter), [checked.year_id, *period_params[1:]]
        )
        cells = cursor.fetchall()
    return columns, cells


def bare_xlsx(columns: dict, cells: list[tuple], *, boxed: bool = False) -> tuple[bytes, int]:
    """A write-only workbook with a sheet per class: a header row, then per student the number, the name
    and the results, as plain values with no style; or, `boxed`, each cell of the table (empty ones too)
    with the ledger's border, the cheapest way openpyxl has (one style shared by every cell). Returns the
    file and how many results it holds."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from gradebook.reports.render_xlsx import BOX

    texts = {True: "зач", False: "незач"}
    workbook = Workbook(write_only=True)
    written = 0
    box = None
    for class_id, rows in groupby(cells, key=itemgetter(0)):
        lines = columns[class_id]
        position = {line: i for i, (line, _name) in enumerate(lines)}
        sheet = workbook.create_sheet(str(class_id))
        if boxed and box is None:
            template = WriteOnlyCell(sheet)
            template.border = BOX
            box = template._style
        _append(sheet, ["№", "Обучающийся", *(name for _line, name in lines)], box)
        for number, (_student, student_rows) in enumerate(groupby(rows, key=itemgetter(1)), start=1):
            results = list(student_rows)
            values = [None] * len(lines)
            for *_who, line, value, passed, not_attested in results:
                values[position[line]] = (
                    "н/а" if not_attested else value if value is not None else texts[passed]
                )
            written += len(results)
            _append(sheet, [number, f"{results[0][2]} {results[0][3]}", *values], box)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue(), written


def _append(sheet, values: list, box) -> None:
    """Appends a row of plain values, or with `box` (a style) of cells that all share it."""
    if box is not None:
        from openpyxl.cell import WriteOnlyCell

        values = [WriteOnlyCell(sheet, value) for value in values]
        for cell in values:
            cell._style = box
    sheet.append(values)


def ledger_cells(ledger) -> int:
    """How many results the ledger's mark tables show."""
    return sum(cell is not None for c in ledger.classes for row in c.students for cell in row.cells)


# Baseline C: WeasyPrint and the finished HTML ----------------------------------------------------------------

_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="[^"]*">')


def bare_pdf_inputs(ledger) -> tuple[str, str]:
    """(the ledger's finished HTML without its style sheet link, the style sheet and the page margins of
    render_pdf as one CSS text): what WeasyPrint alone is given."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from gradebook.reports.render_pdf import page_margin_css

    html = render_to_string(
        "reports/ledger.html", {"ledger": ledger, "LANGUAGE_CODE": translation.get_language()}
    )
    html, links = _STYLESHEET_LINK.subn("", html)
    if links != 1:
        raise BenchError(f"the ledger's HTML links {links} style sheets; the baseline expects one")
    made_on = _("made on %(date)s") % {"date": date_format(ledger.made_on, "SHORT_DATE_FORMAT")}
    css = Path(finders.find("css/report_print.css")).read_text(encoding="utf-8")
    return html, css + "\n" + page_margin_css(left=ledger.school_name, right=made_on)


def bare_pdf(html: str, css: str) -> tuple[bytes, int]:
    """WeasyPrint with nothing around it; returns the PDF and its number of pages."""
    from weasyprint import CSS, HTML

    document = HTML(string=html).render(stylesheets=[CSS(string=css)])
    return document.write_pdf(), len(document.pages)


def pdf_pages(content: bytes) -> int:
    """The number of pages, as poppler's pdfinfo reads it (the page tree is in compressed object streams)."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        raise BenchError("pdfinfo (poppler-utils) is needed to check the PDF's pages")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        info = subprocess.run(  # noqa: S603 — a fixed program and our own file
            [pdfinfo, file.name], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE)
    if found is None:
        raise BenchError(f"pdfinfo did not tell the pages: {info[:200]!r}")
    return int(found.group(1))


# Measuring ---------------------------------------------------------------------------------------------------


def interleaved(probes: dict[str, Callable[[], object]], *, repeats: int, warmup: int) -> dict[str, Stats]:
    """Runs the probes in turn, `warmup` untimed rounds then `repeats` timed ones, so that drift of the
    machine touches them alike; garbage is collected before each, so no probe pays for another's."""
    times: dict[str, list[float]] = {name: [] for name in probes}
    for round_ in range(warmup + repeats):
        for name, probe in probes.items():
            gc.collect()
            started = time.perf_counter()
            probe()
            elapsed = (time.perf_counter() - started) * 1000
            if round_ >= warmup:
                times[name].append(elapsed)
    return {name: Stats.of(values) for name, values in times.items()}


def peak_memory(checked) -> tuple[int, int]:
    """Peak bytes allocated by Python (tracemalloc) while building the ledger, and while building it and
    its XLSX."""
    from gradebook.reports.ledger import ledger_build
    from gradebook.reports.render_xlsx import render_xlsx

    gc.collect()
    tracemalloc.start()
    try:
        data = ledger_build(checked)
        _now, data_peak = tracemalloc.get_traced_memory()
        render_xlsx(data)
        _now, total_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return data_peak, total_peak


def _school_pdf_row(school, notes: list[str]) -> Row:
    """The school's PDF in one piece, once: its time, pages and how far it raised the process's memory."""
    from gradebook.reports.render_pdf import render_pdf

    before = _max_rss()
    gc.collect()
    started = time.perf_counter()
    content = render_pdf(school)
    elapsed = (time.perf_counter() - started) * 1000
    notes.append(
        f"School PDF in one piece: {pdf_pages(content)} pages, {len(content) / 1024 / 1024:.1f} MiB; the "
        f"process's peak RSS went from {before:.0f} to {_max_rss():.0f} MiB"
    )
    return Row("for reference: the school's PDF, render_pdf", Stats.of([elapsed]))


def _max_rss() -> float:
    """The process's peak resident memory so far, MiB (Linux counts ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def largest_class(ledger):
    return max(ledger.classes, key=lambda c: (len(c.students), len(c.subjects), -c.id))


def school_scope():
    from gradebook.models import TermMark
    from gradebook.reports.ledger import ledger_scope
    from gradebook.selectors import current_year

    year = current_year()
    if year is None:
        raise BenchError("the database has no current academic year: build the demo school first")
    if not TermMark.objects.filter(
        kind=TermMark.Kind.ANNUAL, class_subject__school_class__academic_year=year
    ).exists():
        raise BenchError(
            f"{year.name} has no annual marks: build the demo school with a full year "
            "(demo_school --until the last day of the last term)"
        )
    return ledger_scope(year=year, scope="school", period="year")


def full_year_until():
    """The last day of the current academic year's last term: the journal of a full year."""
    from django.utils import timezone

    from gradebook.services import default_term_dates

    today = timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    return max(t.end for t in default_term_dates(start_year))


def measure(
    checked, *, repeats: int, warmup: int, pdf_repeats: int, school_pdf: bool = False
) -> tuple[list[Row], list[str]]:
    """Every measurement of the school's ledger `checked` (a LedgerScope of the school); (the table's
    rows, lines to print above it). Raises BenchError if a baseline does not do the same work.
    `school_pdf`: the school's whole PDF once more, for reference (no baseline)."""
    from gradebook.reports.ledger import ledger_build, ledger_scope
    from gradebook.reports.render_pdf import render_pdf
    from gradebook.reports.render_xlsx import render_xlsx

    school = ledger_build(checked)
    problems = figures_disagree(school, sql_figures(checked))
    if problems:
        raise BenchError("the SQL baseline disagrees with the ledger:\n  " + "\n  ".join(problems[:20]))
    columns, cells = sql_cells(checked)
    shown, written = ledger_cells(school), bare_xlsx(columns, cells)[1]
    if shown != written:
        raise BenchError(f"the ledger shows {shown} results, the bare workbook holds {written}")
    students = sum(len(c.students) for c in school.classes)
    biggest = largest_class(school)
    class_scope = ledger_scope(
        year=checked.year_id, scope="class", class_id=biggest.id, period=checked.period
    )
    class_ledger = ledger_build(class_scope)
    html, css = bare_pdf_inputs(class_ledger)
    ours, theirs = pdf_pages(render_pdf(class_ledger)), bare_pdf(html, css)[1]
    if ours != theirs:
        raise BenchError(f"the class PDF has {ours} pages, WeasyPrint alone made {theirs}")
    notes = [
        f"Ledger measured: {school.scope.scope_label}, {school.period_text}: {len(school.classes)} classes, "
        f"{students} students listed, {shown} results; the SQL's figures equal the ledger's for every class.",
        f"Class PDF: {biggest.name}, {len(biggest.students)} students × {len(biggest.subjects)} subjects, "
        f"{ours} page(s), the same number as WeasyPrint alone.",
    ]

    data = interleaved(
        {
            "ledger": lambda: ledger_build(checked),
            "sql": lambda: sql_figures(checked),
            "xlsx": lambda: render_xlsx(ledger_build(checked)),
            "bare_xlsx": lambda: bare_xlsx(*sql_cells(checked)),
            "boxed_xlsx": lambda: bare_xlsx(*sql_cells(checked), boxed=True),
        },
        repeats=repeats,
        warmup=warmup,
    )
    pdf = interleaved(
        {"pdf": lambda: render_pdf(class_ledger), "bare_pdf": lambda: bare_pdf(html, css)},
        repeats=pdf_repeats,
        warmup=warmup,
    )
    data_peak, total_peak = peak_memory(checked)
    rows = [
        Row("school ledger data: ledger_build", data["ledger"], data["sql"], DATA_LIMIT),
        Row("  baseline: one SQL query of the same figures", data["sql"]),
        Row("school ledger XLSX: ledger_build + render_xlsx", data["xlsx"], data["bare_xlsx"], XLSX_LIMIT),
        Row("  baseline: plain SQL + bare write-only openpyxl", data["bare_xlsx"]),
        Row("  for reference: the same, every cell with a border", data["boxed_xlsx"]),
        Row("  for reference: ledger XLSX to the bordered one", data["xlsx"], data["boxed_xlsx"]),
        Row(f"class ledger PDF ({biggest.name}): render_pdf", pdf["pdf"], pdf["bare_pdf"], PDF_LIMIT),
        Row("  baseline: WeasyPrint on the same HTML and CSS", pdf["bare_pdf"]),
    ]
    if school_pdf:
        rows.append(_school_pdf_row(school, notes))
    per = 1000 / max(students, 1)
    mib = 1024 * 1024
    notes.append(
        f"Peak memory (tracemalloc): ledger data {data_peak / mib:.1f} MiB "
        f"({data_peak / mib * per:.2f} MiB per 1,000 students), ledger data + XLSX {total_peak / mib:.1f} MiB "
        f"({total_peak / mib * per:.2f} MiB per 1,000 students)"
    )
    return rows, notes


# The run ---------------------------------------------------------------------------------------------------


def run(args) -> int:
    started = time.monotonic()
    with (
        time_limit(args.timeout, "the benchmark"),
        tempfile.TemporaryDirectory(prefix="school-report-bench-") as folder,
        _database(args) as database_url,
    ):
        env = app_environment(database_url=database_url, redis_url=args.redis_url, workdir=Path(folder))
        django_setup(env)
        from django.conf import settings
        from django.utils import translation

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        if args.reuse:
            print(f"Measuring the school already in the database on {engine} …", flush=True)
            collect_static()
        else:
            until = full_year_until()
            print(
                f"Building the demo school ({args.students} students, seed {args.seed}, journal to {until}) "
                f"on {engine} …",
                flush=True,
            )
            for line in prepare_school(students=args.students, seed=args.seed, until=until):
                print(f"  {line}")
        analyze()
        print(
            f"{args.repeats} timed rounds after {args.warmup} warm-up rounds ({args.pdf_repeats} for the PDF), "
            "in this process, APP_ENV=production, in Russian",
            flush=True,
        )
        with translation.override("ru"):
            rows, notes = measure(
                school_scope(),
                repeats=args.repeats,
                warmup=args.warmup,
                pdf_repeats=args.pdf_repeats,
                school_pdf=args.school_pdf,
            )
    print()
    for note in notes:
        print(note)
    print(format_table(rows, digits=2))
    print(f"Wall time: {time.monotonic() - started:.0f} s")
    if failed(rows):
        print("FAIL" + (" (ignored: --no-fail)" if args.no_fail else ""))
        if not args.no_fail:
            return 1
    return 0


def analyze() -> None:
    """Refreshes PostgreSQL's statistics, as autovacuum does some time after the demo's bulk load: the
    plans of both sides depend on them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _database(args):
    """The scratch database (created, dropped at the end), or with --reuse the given one, left alone."""
    if not args.reuse:
        return scratch_database(args.database_url, sqlite=args.sqlite)
    if args.sqlite or not args.database_url:
        raise BenchError("--reuse measures an existing PostgreSQL database: give it with --database-url")
    from contextlib import nullcontext

    return nullcontext(args.database_url)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1100, help="size of the demo school (default 1100)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--repeats", type=int, default=7, help="timed rounds of the ledger and XLSX (default 7)"
    )
    parser.add_argument(
        "--pdf-repeats", type=int, default=5, help="timed rounds of the class PDF (default 5)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument(
        "--school-pdf", action="store_true", help="also render the school's whole PDF once, for reference"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"the scratch PostgreSQL database, created and dropped here (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the demo school already in --database-url (a full year); nothing is created or dropped",
    )
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"Redis for the settings (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--timeout", type=int, default=1800, help="stop everything after this many seconds")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 when a ratio misses its limit")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
