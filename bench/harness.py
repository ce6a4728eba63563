"""What the journal benchmark and the load test share.

- A scratch database: a PostgreSQL database created here and dropped on the way out (its name must
  contain "bench"), or a temporary SQLite file; and a scratch Redis database, flushed before use.
- The production environment (`APP_ENV=production`, a random secret key, Redis, static files collected
  with their manifest into a temporary STATIC_ROOT but not pre-compressed), with plain HTTP on loopback
  (`DJANGO_SECURE_SSL_REDIRECT=false`).
- The school built in this process (migrate, collectstatic, `demo_school`), and gunicorn started with
  the arguments of the Dockerfile's CMD; it is always stopped on the way out.
- An HTTP client that keeps its own cookies (production's are `Secure` and `__Host-`, which a cookie jar
  would not send over http) and says `X-Forwarded-Proto: https`, as the TLS proxy in front of production
  does. It opens one connection per request, as a reverse proxy does towards gunicorn.
- Percentiles.

Only 127.0.0.1 is contacted. Nothing here needs Django until `django_setup` runs, so the pure parts can
be imported by the tests.
"""

import contextlib
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from http.cookies import CookieError, SimpleCookie
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
# The CI role password; ignored where the server trusts local connections.
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/school_bench"
# The test suite uses Redis databases 0–2 (one per xdist worker); the benchmarks keep to their own.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The Dockerfile's CMD (keep in step): WEB_CONCURRENCY=3 workers with 2 threads each.
DEFAULT_WORKERS, DEFAULT_THREADS = 3, 2
GUNICORN_ARGS = [
    "--timeout",
    "60",
    "--max-requests",
    "1000",
    "--max-requests-jitter",
    "100",
    "--worker-tmp-dir",
    "/dev/shm",  # noqa: S108 — as in the Dockerfile: heartbeat files off the disk
]


HASHED_STATIC_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


class BenchError(Exception):
    """The run could not be carried out (setup failed, a deadline passed); the message says why."""


# Statistics ----------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), interpolated linearly between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0–100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Stats:
    """Milliseconds."""

    count: int
    median: float
    p95: float
    p99: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Stats":
        if not values:  # every request failed: the errors say so, the figures are not a number
            return cls(0, math.nan, math.nan, math.nan)
        return cls(len(values), percentile(values, 50), percentile(values, 95), percentile(values, 99))


def verdict(ratio: float, limit: float) -> str:
    return "PASS" if ratio <= limit else "FAIL"


# The table of results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    stats: Stats
    baseline: Stats | None = None  # what the ratio is taken to
    limit: float | None = None
    errors: int = 0

    @property
    def ratio(self) -> float | None:
        return self.stats.median / self.baseline.median if self.baseline else None

    @property
    def result(self) -> str:
        if self.errors:
            return f"FAIL ({self.errors} errors)"
        if self.limit is None or self.ratio is None:
            return ""
        return verdict(self.ratio, self.limit)


def format_table(rows: list[Row], *, digits: int = 1) -> str:
    """The rows as a table; `digits` after the point in the ratios."""
    header = f"{'measurement':<52} {'n':>5} {'median ms':>10} {'p95 ms':>9} {'ratio':>8} {'limit':>6}  result"
    lines = [header, "-" * len(header)]
    for row in rows:
        ratio = f"{row.ratio:.{digits}f}×" if row.ratio is not None else ""
        limit = f"{row.limit:g}×" if row.limit is not None else ""
        lines.append(
            f"{row.name:<52} {row.stats.count:>5} {row.stats.median:>10.2f} {row.stats.p95:>9.2f} "
            f"{ratio:>8} {limit:>6}  {row.result}"
        )
    return "\n".join(lines)


def failed(rows: list[Row]) -> bool:
    return any(row.result.startswith("FAIL") for row in rows)


# Time limits ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def time_limit(seconds: int, what: str) -> Iterator[None]:
    """Raises BenchError in the main thread after `seconds`, so the callers' `finally` still clean up."""

    def expire(signum, frame):
        raise BenchError(f"{what} took longer than {seconds} s and was stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Scratch database and environment ---------------------------------------------------------------------


def _require_loopback(url: str, what: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise BenchError(f"{what} must be on 127.0.0.1, not {host!r}")


def _pg_admin(url: str, statement: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


@contextlib.contextmanager
def scratch_database(database_url: str | None, *, sqlite: bool) -> Iterator[str]:
    """Yields the DATABASE_URL of an empty database that is dropped (or deleted) on the way out.

    PostgreSQL: the database named in `database_url` is dropped if it exists, created, and dropped again
    at the end, so its name must contain "bench".
    """
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="school-bench-db-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
            _close_django_connections()
        return
    url = database_url or DEFAULT_DATABASE_URL
    _require_loopback(url, "the scratch database")
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise BenchError(
            f"the scratch database is dropped at the end; its name must contain 'bench': {name!r}"
        )
    _pg_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
    _pg_admin(url, "CREATE DATABASE {}", name)
    try:
        yield url
    finally:
        _close_django_connections()
        _pg_admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _close_django_connections() -> None:
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()


def flush_redis(redis_url: str) -> None:
    """Empties the scratch Redis database: login throttling counters of an earlier run would refuse sign-ins."""
    import redis

    _require_loopback(redis_url, "Redis")
    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    try:
        client.flushdb()
    finally:
        client.close()


def app_variables() -> set[str]:
    """Every variable config/settings.py reads, as listed in .env.example."""
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?[ \t]*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def app_environment(*, database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """The environment of production, except plain HTTP on loopback; nothing inherited from the shell."""
    inherited = app_variables() | {"DJANGO_SETTINGS_MODULE"}
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    env.update(
        APP_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        APP_VAR_DIR=str(workdir / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
    )
    return env


def django_setup(env: dict[str, str]) -> None:
    """Configures Django in this process with the same environment gunicorn gets."""
    for key in app_variables() - env.keys():
        os.environ.pop(key, None)
    os.environ.update(env)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if (REPO / ".env").exists():
        print(
            f"warning: {REPO / '.env'} exists; settings read it for variables not set here", file=sys.stderr
        )
    import django

    django.setup()


def collect_static() -> None:
    """Collects the static files with their manifest into STATIC_ROOT, as in production."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    # Hashed names and the manifest exactly as in production, without WhiteNoise's gzip/brotli copies:
    # compressing the Swagger UI bundle costs a minute of CPU, and no measured request fetches a file.
    storages = settings.STORAGES | {"staticfiles": {"BACKEND": HASHED_STATIC_STORAGE}}
    with override_settings(STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)


def prepare_school(*, students: int, seed: int, until: date | None = None) -> list[str]:
    """Migrates, collects static files and builds the demo school (its journal up to `until`, default
    today); returns the command's summary lines."""
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    collect_static()
    lines = [f"migrate and collectstatic: {time.monotonic() - started:.0f} s"]
    out = StringIO()
    call_command("demo_school", students=students, seed=seed, until=until, stdout=out)
    return lines + [line for line in out.getvalue().splitlines() if line.strip()][:3]


# gunicorn ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def serve(env: dict[str, str], *, workdir: Path, workers: int, threads: int) -> Iterator[Server]:
    """gunicorn on 127.0.0.1 as the Dockerfile runs it; stopped (its whole process group) on the way out."""
    port = _free_port()
    log = workdir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *GUNICORN_ARGS,
        "--access-logfile",
        str(workdir / "access.log"),
        # Its own control socket: the default one in ~/.gunicorn is shared by every gunicorn of the user.
        "--control-socket",
        str(workdir / "gunicorn.ctl"),
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_ready(process, server)
        yield server
    except BaseException:
        print(f"--- the end of {log}:\n{_tail(log)}", file=sys.stderr)
        raise
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, server: Server, seconds: float = 60) -> None:
    client = Client(server.base_url, timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{_tail(server.log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if client.get("/healthz/").status == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz/ within {seconds} s:\n{_tail(server.log)}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the session we started (gunicorn's master and its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# HTTP ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    ms: float  # from opening the connection to the last byte of the body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Client:
    """One browser behind the TLS proxy: its own cookies, CSRF header and Origin on unsafe requests."""

    def __init__(self, base_url: str, *, timeout: float = 30):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK:
            raise BenchError(f"only loopback is benchmarked, not {parts.hostname!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.origin = f"https://{parts.netloc}"  # what the browser sees in front of the proxy
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    @property
    def csrf_token(self) -> str:
        return self.cookies.get("__Host-csrftoken") or self.cookies.get("csrftoken") or ""

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, payload) -> Response:
        return self.request("POST", path, body=json.dumps(payload).encode(), content_type="application/json")

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields).encode()
        return self.request("POST", path, body=body, content_type="application/x-www-form-urlencoded")

    def request(
        self, method: str, path: str, *, body: bytes | None = None, content_type: str = ""
    ) -> Response:
        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Connection": "close",
            "Accept-Language": "ru",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method not in {"GET", "HEAD"}:
            headers |= {"Origin": self.origin, "Referer": self.origin + path, "X-CSRFToken": self.csrf_token}
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        self._remember(response.headers.get_all("Set-Cookie") or [])
        return Response(response.status, data, elapsed)

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(client: Client, username: str, password: str) -> None:
    """Signs in through the login page, as a browser does; raises BenchError if it does not succeed."""
    page = client.get("/accounts/login/")
    token = _CSRF_INPUT.search(page.text)
    if page.status != 200 or token is None:
        raise BenchError(f"the login page answered {page.status} without a CSRF token")
    answer = client.post_form(
        "/accounts/login/", {"csrfmiddlewaretoken": token.group(1), "login": username, "password": password}
    )
    if answer.status != 302 or not any("sessionid" in name for name in client.cookies):
        raise BenchError(f"signing in as {username!r} failed: HTTP {answer.status} {answer.text[:300]!r}")


def read_versions(client: Client, journal_id: int, term_id: int) -> tuple[dict[str, int], dict[str, str]]:
    """The mark versions and texts of a journal's cells ("lesson:student"), from the JSON grid."""
    answer = client.get(f"/api/v1/journals/{journal_id}/?term={term_id}")
    if answer.status != 200:
        raise BenchError(f"the grid of journal {journal_id} answered {answer.status}")
    cells = answer.json()["cells"]
    versions = {key: cell.get("mv", 0) for key, cell in cells.items()}
    marks = {key: cell.get("m", "") for key, cell in cells.items()}
    return versions, marks


# The journal, read in-process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Journal:
    """A journal (teaching assignment) in its current, open term: its past lessons and writable cells."""

    id: int
    title: str
    teacher_id: int
    term_id: int
    subgroup: bool
    lessons: dict[int, date]  # lessons of the term up to today
    cells: tuple[tuple[int, int], ...]  # (lesson, student): the student is in the journal that day

    @property
    def students(self) -> int:
        return len({student for _lesson, student in self.cells})


def open_journal(assignment, *, today: date) -> Journal | None:
    """The assignment's journal in the term containing today, or None if that term is closed or empty."""
    from gradebook.journal_api import pick_term
    from gradebook.models import Enrolment, Lesson, TermClosure

    term = pick_term(assignment, None)
    school_class = assignment.class_subject.school_class
    if TermClosure.objects.filter(term_id=term.id, school_class=school_class).exists():
        return None
    lessons = dict(
        Lesson.objects.filter(
            assignment=assignment, date__gte=term.start_date, date__lte=min(term.end_date, today)
        ).values_list("id", "date")
    )
    members = None
    if assignment.subgroup_id:
        members = set(assignment.subgroup.students.values_list("pk", flat=True))
    enrolments = Enrolment.objects.filter(school_class=school_class).values_list(
        "student_id", "start_date", "end_date"
    )
    cells = {
        (lesson_id, student_id)
        for student_id, start, end in enrolments
        for lesson_id, day in lessons.items()
        if start <= day and (end is None or end >= day) and (members is None or student_id in members)
    }
    if not cells:
        return None
    subject = assignment.class_subject.subject.short_name
    return Journal(
        id=assignment.pk,
        title=f"{school_class.name} {subject}",
        teacher_id=assignment.teacher_id,
        term_id=term.id,
        subgroup=bool(assignment.subgroup_id),
        lessons=lessons,
        cells=tuple(sorted(cells)),
    )


def five_point_assignments():
    from gradebook.models import AssessmentScale, TeachingAssignment

    return TeachingAssignment.objects.filter(
        class_subject__scale=AssessmentScale.FIVE_POINT,
        class_subject__school_class__academic_year__is_current=True,
    ).select_related("class_subject__school_class", "class_subject__subject", "subgroup")
