"""Writing the demo journal's rows with their history (gradebook.demo.journal says why without the ORM)."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection

from gradebook.models import Attendance, JournalHistory, Lesson, Mark

BATCH = 5000
FLUSH_LESSONS = 2000  # lessons kept in memory before they and their marks are written
HISTORY = ("at", "actor", "entity", "entity_id", "action", "assignment", "class_subject", "student",
           "lesson_date", "old", "new", "reason")  # fmt: skip
MARK = ("lesson", "student", "value", "passed", "comment", "version", "updated_at", "updated_by")
ATTENDANCE = ("lesson", "student", "kind", "version", "updated_at", "updated_by")
TERM_MARK = ("class_subject", "student", "term", "kind", "value", "passed", "not_attested", "suggested",
             "overridden", "reason", "version", "updated_at", "updated_by")  # fmt: skip


def history_row(at, actor, entity, pk, assignment, line, student, day, new, reason="") -> tuple:
    """A "create" row in HISTORY's order, as journal_services._history writes it."""
    return (at, actor, entity, pk, "create", assignment, line, student, day, None, new, reason)


class JournalWriter:
    """Keeps lessons with their marks and attendance, and writes them with their history in batches."""

    def __init__(self, *, now: datetime):
        self.now = now
        self.pending: list[tuple] = []
        self.results: dict[tuple[int, int, int], list] = defaultdict(list)  # (line, student, term) → marks
        self.first_quarter_lessons: list[int] = []  # ids of lessons with five-point marks
        self._db_values: dict = {}

    def lesson(self, lesson: Lesson, line_id, teacher, moment, away, marks, *, first_quarter: bool) -> None:
        self.pending.append((lesson, line_id, teacher, min(moment, self.now), away, marks, first_quarter))
        if len(self.pending) >= FLUSH_LESSONS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        Lesson.objects.bulk_create([row[0] for row in self.pending], batch_size=BATCH)
        history, marks, attendance, info = [], [], [], {}
        for lesson, line_id, teacher, moment, away, lesson_marks, first_quarter in self.pending:
            day = self.db_value(JournalHistory, "lesson_date", lesson.date)
            done = self.db_value(Mark, "updated_at", moment + timedelta(minutes=40))
            info[lesson.pk] = (lesson.assignment_id, line_id, teacher, day, done)
            state = {"date": lesson.date.isoformat(), "topic": lesson.topic, "homework": lesson.homework}
            state["work_type"] = lesson.work_type_id
            new = JournalHistory._meta.get_field("new").get_db_prep_save(state, connection)
            at = self.db_value(JournalHistory, "at", moment)
            history.append(
                history_row(at, teacher, "lesson", lesson.pk, lesson.assignment_id, line_id, None, day, new)
            )
            marks += [
                (lesson.pk, s, value, passed, "", 1, done, teacher) for s, value, passed in lesson_marks
            ]
            attendance += [(lesson.pk, s, kind, 1, done, teacher) for s, kind in away]
            if first_quarter and lesson_marks and lesson_marks[0][1] is not None:
                self.first_quarter_lessons.append(lesson.pk)
        self.pending = []
        insert_rows(Mark, MARK, marks)
        insert_rows(Attendance, ATTENDANCE, attendance)
        # Read back for their ids: the history names every row it describes.
        cells = Mark.objects.filter(lesson_id__in=list(info)).values_list(
            "pk", "lesson", "student", "value", "passed"
        )
        for pk, lesson_id, student, value, passed in cells:
            assignment, line_id, teacher, day, done = info[lesson_id]
            new = self.json({"value": value, "passed": passed, "comment": ""})
            history.append(history_row(done, teacher, "mark", pk, assignment, line_id, student, day, new))
        cells = Attendance.objects.filter(lesson_id__in=list(info)).values_list(
            "pk", "lesson", "student", "kind"
        )
        for pk, lesson_id, student, kind in cells:
            assignment, line_id, teacher, day, done = info[lesson_id]
            new = self.json({"kind": kind})
            history.append(
                history_row(done, teacher, "attendance", pk, assignment, line_id, student, day, new)
            )
        insert_rows(JournalHistory, HISTORY, history)

    def db_value(self, model, name: str, value):
        """A field's value as the ORM would send it to the database (dates, aware times, JSON); memoised."""
        key = (model, name, tuple(value.items()) if isinstance(value, dict) else value)
        if key not in self._db_values:
            self._db_values[key] = model._meta.get_field(name).get_db_prep_save(value, connection)
        return self._db_values[key]

    def json(self, state: dict):
        return self.db_value(JournalHistory, "new", state)


def insert_rows(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Writes rows of database-ready values into the model's table without the ORM (gradebook.demo.journal's
    docstring says why): COPY on PostgreSQL (psycopg 3), batched executemany elsewhere."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
