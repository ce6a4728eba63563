"""The journal's performance budget, measured in one run against the app served as in production.

    .venv/bin/python bench/journal_bench.py --students 1100            # make bench
    .venv/bin/python bench/journal_bench.py --students 200 --requests 30   # the CI smoke run

Builds the demo school in a scratch database, starts gunicorn with APP_ENV=production, signs in as the
demo `teacher` and, with one HTTP client, measures in turn: the empty view (/healthz/), the journal page
of a ~30-student class in the term containing today, and single-cell saves on random past cells of that
journal. Every ratio is to the empty view's median measured in the same run. Then, in-process against
the same database: `column_fill` of a 30-student column against a plain `Mark.objects.bulk_create` of
the same rows, and the journal page's SQL query count. Exit code 1 if a limit is missed (unless
--no-fail) or if any request failed.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

# Run as a script (bench/…py): the repository root, not bench/, must be importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    DEFAULT_THREADS,
    DEFAULT_WORKERS,
    BenchError,
    Client,
    Journal,
    Row,
    Stats,
    app_environment,
    django_setup,
    failed,
    five_point_assignments,
    flush_redis,
    format_table,
    open_journal,
    prepare_school,
    read_versions,
    scratch_database,
    serve,
    sign_in,
    time_limit,
)

PAGE_LIMIT = 40  # × the empty view's median
SAVE_LIMIT = 10  # × the empty view's median
COLUMN_LIMIT = 3  # × a plain bulk_create of the same rows
CLASS_SIZE = 30


# Choosing what to measure -----------------------------------------------------------------------------------


def pick_journal(username: str) -> Journal:
    """The user's whole-class five-point journal whose class is nearest 30 students (then most lessons)."""
    from django.utils import timezone

    today = timezone.localdate()
    journals = [
        journal
        for assignment in five_point_assignments().filter(teacher__username=username, subgroup__isnull=True)
        if (journal := open_journal(assignment, today=today))
    ]
    if not journals:
        raise BenchError(f"{username!r} has no open five-point journal with past lessons")
    return min(journals, key=lambda j: (abs(j.students - CLASS_SIZE), -len(j.lessons), j.id))


def fullest_term(journal: Journal) -> tuple[int, str]:
    """The journal's term with the most lessons (id, label): the page as it looks at a term's end."""
    from django.db.models import Count, Q

    from gradebook import calendar
    from gradebook.models import TeachingAssignment

    assignment = TeachingAssignment.objects.select_related("class_subject__school_class").get(pk=journal.id)
    school_class = assignment.class_subject.school_class
    terms = calendar.terms_of_grade(year_id=school_class.academic_year_id, grade=school_class.grade)
    counts = TeachingAssignment.objects.filter(pk=journal.id).aggregate(
        **{
            str(t.id): Count(
                "lessons", filter=Q(lessons__date__gte=t.start_date, lessons__date__lte=t.end_date)
            )
            for t in terms
        }
    )
    term = max(terms, key=lambda t: (counts[str(t.id)], -t.number))
    return term.id, term.label


def page_query_count(journal: Journal) -> int:
    """The journal page's SQL queries, through the in-process test client (second request: caches warm)."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User

    client = DjangoClient(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=journal.teacher_id))
    url = reverse("journal", args=[journal.id])
    client.get(url, secure=True)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url, secure=True)
    if answer.status_code != 200:
        raise BenchError(f"the journal page answered {answer.status_code} in-process")
    return len(queries)


# Over HTTP ----------------------------------------------------------------------------------------------------


class CellSaver:
    """Saves random past cells of one journal, alternating the mark, with the versions it has seen."""

    def __init__(self, client: Client, journal: Journal, rng: random.Random):
        self.client, self.journal, self.rng = client, journal, rng
        self.url = f"/api/v1/journals/{journal.id}/cells/"
        self.versions, self.marks = read_versions(client, journal.id, journal.term_id)

    def save(self):
        lesson, student = self.rng.choice(self.journal.cells)
        key = f"{lesson}:{student}"
        value = "4" if self.marks.get(key) == "5" else "5"
        answer = self.client.post_json(
            self.url,
            {
                "lesson": lesson,
                "student": student,
                "op": "mark",
                "value": value,
                "version": self.versions.get(key, 0),
            },
        )
        if answer.status == 200:
            cell = answer.json()["cell"]
            self.versions[key], self.marks[key] = cell["mark_version"], cell["mark"]
        return answer


def measure_http(
    base_url: str, journal: Journal, full_term: int, *, password: str, requests: int, warmup: int, seed: int
):
    """Interleaves the measurements so that drift of the machine touches all of them alike."""
    client = Client(base_url)
    sign_in(client, "teacher", password)
    saver = CellSaver(client, journal, random.Random(seed))
    page = f"/journal/{journal.id}/"
    sizes = {}
    for name, term in (("page", journal.term_id), ("page_full", full_term)):
        grid = client.get(f"/api/v1/journals/{journal.id}/?term={term}").json()
        sizes[name] = f"{len(grid['students'])}×{len(grid['lessons'])}"
    signed_out = Client(base_url)
    probes = {
        "health": lambda: client.get("/healthz/"),
        "health_signed_out": lambda: signed_out.get("/healthz/"),
        "page": lambda: client.get(page),
        "page_full": lambda: client.get(f"{page}?term={full_term}"),
        "save": saver.save,
    }
    times = {name: [] for name in probes}
    errors = dict.fromkeys(probes, 0)
    first_error = ""
    for round_ in range(warmup + requests):
        for name, probe in probes.items():
            answer = probe()
            if answer.status != 200:
                errors[name] += 1
                first_error = first_error or f"{name}: HTTP {answer.status} {answer.text[:300]!r}"
            elif round_ >= warmup:
                times[name].append(answer.ms)
    if first_error:
        print(f"first failed request — {first_error}", file=sys.stderr)
    return sizes, times, errors


# In-process: the column -------------------------------------------------------------------------------------------


def measure_column(journal: Journal, *, repeats: int, warmup: int = 2):
    """column_fill on a fresh lesson vs plain bulk_creates of the same rows on another fresh lesson.

    A column save writes two rows per student: the mark and its history row (the product records every
    mark in the history, in the same transaction). The baseline is therefore a plain bulk_create of those
    same rows — the marks, then their history rows — in one transaction. The marks-only bulk_create is
    measured too and printed for reference.
    """
    from django.db import transaction

    from gradebook.journal_services import column_fill, lesson_create
    from gradebook.models import Enrolment, JournalHistory, Lesson, Mark, TeachingAssignment, WorkType

    assignment = TeachingAssignment.objects.select_related(
        "class_subject__school_class", "teacher", "subgroup"
    ).get(pk=journal.id)
    teacher = assignment.teacher
    day = max(journal.lessons.values())
    work_type = WorkType.objects.filter(is_active=True).order_by("order").first()
    # The students as the column-fill view lists them.
    school_class = assignment.class_subject.school_class
    enrolled = Enrolment.objects.filter(school_class=school_class, start_date__lte=day).exclude(
        end_date__lt=day
    )
    students = [e.student for e in enrolled.select_related("student")]

    def fresh_lesson():
        made = lesson_create(user=teacher, assignment=assignment, on=day, work_type=work_type)
        return Lesson.objects.select_related("assignment__class_subject__school_class").get(pk=made.pk)

    fill_ms, bulk_ms, marks_only_ms = [], [], []
    new = {"value": 5, "passed": None, "comment": ""}
    for round_ in range(warmup + repeats):
        lesson = fresh_lesson()
        started = time.perf_counter()
        filled = column_fill(user=teacher, lesson=lesson, raw="5", students=students)
        fill = (time.perf_counter() - started) * 1000
        lesson = fresh_lesson()
        started = time.perf_counter()
        with transaction.atomic():
            created = Mark.objects.bulk_create(
                Mark(lesson=lesson, student=s, value=5, updated_by=teacher) for s in students
            )
            JournalHistory.objects.bulk_create(
                JournalHistory(
                    actor=teacher,
                    entity="mark",
                    entity_id=m.pk,
                    action="create",
                    assignment_id=assignment.pk,
                    class_subject_id=assignment.class_subject_id,
                    student_id=m.student_id,
                    lesson_date=day,
                    new=new,
                )
                for m in created
            )
        bulk = (time.perf_counter() - started) * 1000
        lesson = fresh_lesson()
        started = time.perf_counter()
        Mark.objects.bulk_create(
            Mark(lesson=lesson, student=s, value=5, updated_by=teacher) for s in students
        )
        marks_only = (time.perf_counter() - started) * 1000
        if len(filled) != len(students) or len(created) != len(students):
            raise BenchError(f"column of {len(students)}: filled {len(filled)}, bulk-created {len(created)}")
        if round_ >= warmup:
            fill_ms.append(fill)
            bulk_ms.append(bulk)
            marks_only_ms.append(marks_only)
    return len(students), fill_ms, bulk_ms, marks_only_ms


# The run ------------------------------------------------------------------------------------------------------------


def run(args) -> int:
    started = time.monotonic()
    with (
        time_limit(args.timeout, "the benchmark"),
        tempfile.TemporaryDirectory(prefix="school-bench-") as folder,
        scratch_database(args.database_url, sqlite=args.sqlite) as database_url,
    ):
        workdir = Path(folder)
        env = app_environment(database_url=database_url, redis_url=args.redis_url, workdir=workdir)
        flush_redis(args.redis_url)
        django_setup(env)
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(
            f"Building the demo school ({args.students} students, seed {args.seed}) on {engine} …", flush=True
        )
        for line in prepare_school(students=args.students, seed=args.seed):
            print(f"  {line}")
        journal = pick_journal("teacher")
        full_term, full_label = fullest_term(journal)
        queries = page_query_count(journal)
        print(
            f"gunicorn: {args.workers} workers × {args.threads} threads, APP_ENV=production; "
            f"{args.requests} requests per measurement after {args.warmup} warm-up rounds",
            flush=True,
        )
        with serve(env, workdir=workdir, workers=args.workers, threads=args.threads) as server:
            sizes, times, errors = measure_http(
                server.base_url,
                journal,
                full_term,
                password=settings.DEMO_PASSWORD,
                requests=args.requests,
                warmup=args.warmup,
                seed=args.seed,
            )
        column, fill_ms, bulk_ms, marks_only_ms = measure_column(journal, repeats=args.repeats)

    health = Stats.of(times["health"])
    bulk = Stats.of(bulk_ms)
    signed_out = Stats.of(times["health_signed_out"])
    rows = [
        Row("empty view: GET /healthz/ (signed in, as all below)", health, errors=errors["health"]),
        Row("  for reference: the same, signed out", signed_out, errors=errors["health_signed_out"]),
        Row(
            f"journal page: GET /journal/{journal.id}/ ({sizes['page']})",
            Stats.of(times["page"]),
            health,
            PAGE_LIMIT,
            errors["page"],
        ),
        Row(
            f"  the same, {full_label} ({sizes['page_full']})",
            Stats.of(times["page_full"]),
            health,
            PAGE_LIMIT,
            errors["page_full"],
        ),
        Row(
            "single-cell save: POST /api/v1/journals/…/cells/",
            Stats.of(times["save"]),
            health,
            SAVE_LIMIT,
            errors["save"],
        ),
        Row(f"column save: column_fill, {column} marks (in-process)", Stats.of(fill_ms), bulk, COLUMN_LIMIT),
        Row(f"  baseline: bulk_create, {column} marks + {column} history", bulk),
        Row(
            "  for reference: to a bulk_create of the marks alone",
            Stats.of(fill_ms),
            Stats.of(marks_only_ms),
        ),
    ]
    print()
    print(
        f"Journal measured: {journal.title} (id {journal.id}), students × lessons: {sizes['page']} in the term "
        f"containing today, {sizes['page_full']} in its fullest term ({full_label})"
    )
    print(f"Journal page SQL queries (in-process, caches warm): {queries}")
    print(
        "Ratios: page and save to the empty view's median; column_fill to the median of a plain bulk_create "
        "of the rows it writes (marks and their history rows)."
    )
    print(format_table(rows))
    page, full, save = (row.stats.median for row in rows[2:5])
    print(
        f"For reference, to the signed-out empty view: page {page / signed_out.median:.1f}× "
        f"({full / signed_out.median:.1f}× for {sizes['page_full']}), save {save / signed_out.median:.1f}× "
        "(a signed-in request also loads the session and the user with their roles)."
    )
    print(f"Wall time: {time.monotonic() - started:.0f} s")
    if failed(rows):
        print("FAIL" + (" (ignored: --no-fail)" if args.no_fail else ""))
        if any(row.errors for row in rows) or not args.no_fail:
            return 1
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1100, help="size of the demo school (default 1100)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per HTTP measurement")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first (every worker warms up)")
    parser.add_argument("--repeats", type=int, default=20, help="timed column saves (and bulk_creates)")
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"the scratch PostgreSQL database, created and dropped here (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help=f"a scratch Redis database, flushed (default {DEFAULT_REDIS_URL})",
    )
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--timeout", type=int, default=1200, help="stop everything after this many seconds")
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
