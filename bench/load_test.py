"""Load test: simulated teachers saving marks against the app served as in production, then an audit.

    .venv/bin/python bench/load_test.py                 # make load: 50 teachers for 60 s, 1,100 students

Builds the demo school in a scratch database, gives 50 of its teachers a known password, starts
gunicorn with APP_ENV=production (PostgreSQL, Redis) on 127.0.0.1, and runs one thread per teacher,
each signed in with its own session. Each thread saves random marks (now and then clears one) on past
lessons of its own open journals, sending the version it last saw. A 409 is an expected outcome, counted
apart: the thread takes the current version from the answer and goes on. Anything else that is not a
200 is an error. The run stops issuing saves after --seconds and is cut off at --seconds + 30.

Afterwards, against the database: for every cell, the last acknowledged mark and version are what the
Mark row holds (no row for a cleared cell), and the history has exactly one row per acknowledged change,
in the same order (a save that changed nothing writes none). Prints throughput, latency percentiles,
errors and conflicts; exit code 1 on any error or mismatch.
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
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
    Stats,
    app_environment,
    django_setup,
    five_point_assignments,
    flush_redis,
    open_journal,
    prepare_school,
    read_versions,
    scratch_database,
    serve,
    sign_in,
    time_limit,
)

HARD_STOP_GRACE = 30  # seconds after --seconds at which running threads are abandoned
CLEAR_SHARE = 0.1
MARKS = ("2", "3", "4", "5")


@dataclass(frozen=True)
class Ack:
    """A save the server acknowledged (HTTP 200): the cell's mark and version it answered with."""

    journal_id: int
    lesson_id: int
    lesson_date: date
    student_id: int
    mark: str  # "" when the cell holds no mark
    version: int  # 0 when the cell holds no mark
    changed: bool  # the answered version differs from the one sent: the save wrote a row and a history row

    @property
    def cell(self) -> tuple[int, int]:
        return (self.lesson_id, self.student_id)

    @property
    def history_key(self) -> tuple[int, int, date]:
        """History rows name the journal, the student and the lesson's date (not the lesson)."""
        return (self.journal_id, self.student_id, self.lesson_date)


def mark_text(state: dict | None) -> str:
    """A history row's `new` state as the API shows the mark (see gradebook.cells)."""
    if not state:
        return ""
    if state.get("value") is not None:
        return str(state["value"])
    if state.get("passed") is None:
        return ""
    return "зач" if state["passed"] else "незач"


def verify(
    acks: list[Ack],
    marks: dict[tuple[int, int], tuple[str, int]],
    history: dict[tuple[int, int, date], list[str]],
) -> list[str]:
    """Mismatches between what was acknowledged and what the database holds; empty when all is well.

    `acks` in the order each cell's saves were acknowledged; `marks` maps (lesson, student) to the Mark
    row's (text, version) for the cells touched; `history` maps (journal, student, lesson date) to the
    `new` marks of the history rows written during the run, oldest first.
    """
    last: dict[tuple[int, int], Ack] = {}
    written: dict[tuple[int, int, date], list[str]] = defaultdict(list)
    for ack in acks:
        last[ack.cell] = ack
        if ack.changed:
            written[ack.history_key].append(ack.mark)
    problems = []
    for cell, ack in sorted(last.items()):
        held = marks.get(cell)
        if ack.mark == "" and held is not None:
            problems.append(f"cell {cell}: acknowledged as empty, the database holds {held}")
        elif ack.mark != "" and held != (ack.mark, ack.version):
            problems.append(f"cell {cell}: acknowledged {(ack.mark, ack.version)}, the database holds {held}")
    for key in sorted(written.keys() | history.keys()):
        if written.get(key, []) != history.get(key, []):
            problems.append(
                f"history of {key}: acknowledged changes {written.get(key, [])}, history rows {history.get(key, [])}"
            )
    return problems


# The teachers ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one simulated teacher saw."""

    acks: list[Ack] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # ms of every save answered 200 or 409
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    finished_at: float = 0.0


class Teacher(threading.Thread):
    def __init__(self, *, username, password, journals, base_url, start, stop_at, signing_in, seed):
        super().__init__(name=f"teacher-{username}", daemon=True)
        self.username, self.password, self.journals = username, password, journals
        self.client = Client(base_url, timeout=20)
        self.start_gate, self.signing_in = start, signing_in
        self.stop_at = stop_at
        self.rng = random.Random(seed)
        self.versions: dict[tuple[int, int], int] = {}
        self.outcome = Outcome()

    def run(self):
        try:
            with self.signing_in:  # password hashing is slow by design; do not queue 50 at once
                sign_in(self.client, self.username, self.password)
                for journal in self.journals:
                    self._read_versions(journal)
        except Exception as error:
            self.outcome.errors.append(f"{self.username} before the run: {type(error).__name__}: {error}")
            self.start_gate.abort()
            return
        try:
            self.start_gate.wait()
        except threading.BrokenBarrierError:
            return
        while time.monotonic() < self.stop_at[0]:
            try:
                self._save_one()
            except Exception as error:  # counted, and the teacher goes on
                self.outcome.errors.append(f"{self.username}: {type(error).__name__}: {error}")
        self.outcome.finished_at = time.monotonic()

    def _read_versions(self, journal: Journal) -> None:
        versions, _marks = read_versions(self.client, journal.id, journal.term_id)
        for key, version in versions.items():
            lesson, student = key.split(":")
            self.versions[(int(lesson), int(student))] = version

    def _save_one(self) -> None:
        journal = self.rng.choice(self.journals)
        lesson, student = self.rng.choice(journal.cells)
        clear = self.rng.random() < CLEAR_SHARE
        sent = self.versions.get((lesson, student), 0)
        payload = {
            "lesson": lesson,
            "student": student,
            "op": "clear_mark" if clear else "mark",
            "value": "" if clear else self.rng.choice(MARKS),
            "version": sent,
        }
        answer = self.client.post_json(f"/api/v1/journals/{journal.id}/cells/", payload)
        if answer.status == 200:
            cell = answer.json()["cell"]
            version = cell["mark_version"]
            self.versions[(lesson, student)] = version
            self.outcome.acks.append(
                Ack(
                    journal.id,
                    lesson,
                    journal.lessons[lesson],
                    student,
                    cell["mark"],
                    version,
                    version != sent,
                )
            )
        elif answer.status == 409:
            self.outcome.conflicts += 1
            details = answer.json().get("error", {}).get("details") or {}
            if "version" in details:
                self.versions[(lesson, student)] = details["version"]
            else:  # a concurrent first write of the cell: read the journal again
                self._read_versions(journal)
        else:
            self.outcome.errors.append(f"{self.username}: HTTP {answer.status} {answer.text[:200]!r}")
            return
        self.outcome.latencies.append(answer.ms)


@dataclass(frozen=True)
class Plan:
    username: str
    journals: list[Journal]


def plan_teachers(count: int, password: str) -> list[Plan]:
    """The first `count` teachers (by login) with an open five-point journal; each gets `password`."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User

    today = timezone.localdate()
    journals = defaultdict(list)
    for assignment in five_point_assignments().select_related("teacher").order_by("teacher__username", "pk"):
        if journal := open_journal(assignment, today=today):
            journals[assignment.teacher.username].append(journal)
    plans = [Plan(username, found) for username, found in sorted(journals.items())][:count]
    if len(plans) < count:
        raise BenchError(f"the demo school has {len(plans)} teachers with an open journal, not {count}")
    # One hash for all of them: hashing is slow on purpose.
    User.objects.filter(username__in=[p.username for p in plans]).update(password=make_password(password))
    return plans


def run_load(base_url: str, plans: list[Plan], *, password: str, seconds: int, workers_slots: int, seed: int):
    stop_at = [0.0]

    def open_window():  # runs once, as the last one reaches the gate, before anyone passes it
        stop_at[0] = time.monotonic() + seconds

    start = threading.Barrier(len(plans) + 1, action=open_window)
    signing_in = threading.BoundedSemaphore(workers_slots)
    teachers = [
        Teacher(
            username=plan.username,
            password=password,
            journals=plan.journals,
            base_url=base_url,
            start=start,
            stop_at=stop_at,
            signing_in=signing_in,
            seed=seed + i,
        )
        for i, plan in enumerate(plans)
    ]
    for teacher in teachers:
        teacher.start()
    try:
        start.wait(timeout=300)
    except threading.BrokenBarrierError:
        errors = [e for t in teachers for e in t.outcome.errors]
        raise BenchError("signing in failed: " + ("; ".join(errors[:3]) or "timeout")) from None
    began = stop_at[0] - seconds
    hard_stop = stop_at[0] + HARD_STOP_GRACE
    for teacher in teachers:
        teacher.join(timeout=max(0.0, hard_stop - time.monotonic()))
    stuck = [t.name for t in teachers if t.is_alive()]
    ended = max((t.outcome.finished_at for t in teachers), default=began) or began
    return [t.outcome for t in teachers], max(ended - began, 1e-9), stuck


# The audit ------------------------------------------------------------------------------------------------------


def read_database(acks: list[Ack], history_after: int):
    from gradebook.models import JournalHistory, Mark

    touched = {ack.cell for ack in acks}
    marks = {}
    rows = Mark.objects.filter(lesson_id__in={lesson for lesson, _student in touched}).values_list(
        "lesson_id", "student_id", "value", "passed", "version"
    )
    for lesson, student, value, passed, version in rows:
        if (lesson, student) in touched:
            marks[(lesson, student)] = (mark_text({"value": value, "passed": passed}), version)
    history = defaultdict(list)
    rows = (
        JournalHistory.objects.filter(id__gt=history_after, entity=JournalHistory.Entity.MARK)
        .order_by("id")
        .values_list("assignment_id", "student_id", "lesson_date", "new")
    )
    for journal, student, day, new in rows:
        history[(journal, student, day)].append(mark_text(new))
    return marks, history


def last_history_id() -> int:
    from django.db.models import Max

    from gradebook.models import JournalHistory

    return JournalHistory.objects.aggregate(last=Max("id"))["last"] or 0


# The run ----------------------------------------------------------------------------------------------------------


def report(
    outcomes: list[Outcome], duration: float, stuck: list[str], problems: list[str], history_rows: int
) -> int:
    acks = [ack for o in outcomes for ack in o.acks]
    errors = [error for o in outcomes for error in o.errors] + [
        f"{name} still running at the hard stop" for name in stuck
    ]
    latencies = [ms for o in outcomes for ms in o.latencies]
    conflicts = sum(o.conflicts for o in outcomes)
    changed = sum(ack.changed for ack in acks)
    print()
    print(
        f"Saves acknowledged (200): {len(acks)} in {duration:.1f} s — throughput {len(acks) / duration:.1f} saves/s"
    )
    print(f"  of which changed a cell: {changed}; changed nothing (same mark): {len(acks) - changed}")
    print(f"Conflicts (409, expected, retried with the current version): {conflicts}")
    print(f"Errors (other statuses, exceptions, stuck threads): {len(errors)}")
    for error in Counter(errors).most_common(5):
        print(f"  {error[1]} × {error[0]}")
    if latencies:
        stats = Stats.of(latencies)
        print(
            f"Save latency over {stats.count} answers: p50 {stats.median:.1f} ms, p95 {stats.p95:.1f} ms, "
            f"p99 {stats.p99:.1f} ms, max {max(latencies):.1f} ms"
        )
    print(f"History rows for marks written during the run: {history_rows} (acknowledged changes: {changed})")
    cells = len({ack.cell for ack in acks})
    print(f"Audit of {cells} cells against the database: {len(problems)} mismatches")
    for problem in problems[:10]:
        print(f"  {problem}")
    ok = not errors and not problems and history_rows == changed and bool(acks)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def run(args) -> int:
    started = time.monotonic()
    with (
        time_limit(args.timeout, "the load test"),
        tempfile.TemporaryDirectory(prefix="school-load-") as folder,
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
        plans = plan_teachers(args.teachers, settings.DEMO_PASSWORD)
        journals = sum(len(p.journals) for p in plans)
        cells = sum(len(j.cells) for p in plans for j in p.journals)
        print(
            f"{len(plans)} teachers, {journals} journals, {cells} writable cells; gunicorn {args.workers} workers × "
            f"{args.threads} threads, APP_ENV=production; {args.seconds} s of saves, no think time",
            flush=True,
        )
        history_after = last_history_id()
        with serve(env, workdir=workdir, workers=args.workers, threads=args.threads) as server:
            outcomes, duration, stuck = run_load(
                server.base_url,
                plans,
                password=settings.DEMO_PASSWORD,
                seconds=args.seconds,
                workers_slots=args.workers * args.threads,
                seed=args.seed,
            )
        # gunicorn has stopped: every request it accepted has finished before the audit reads.
        acks = [ack for o in outcomes for ack in o.acks]
        marks, history = read_database(acks, history_after)
        problems = verify(acks, marks, history)
        history_rows = sum(len(rows) for rows in history.values())
    code = report(outcomes, duration, stuck, problems, history_rows)
    print(f"Wall time: {time.monotonic() - started:.0f} s")
    return code


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1100, help="size of the demo school (default 1100)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--teachers", type=int, default=50, help="simulated teachers, one thread each")
    parser.add_argument("--seconds", type=int, default=60, help="how long they save marks")
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
