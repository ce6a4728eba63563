"""The demo school's class journal from 1 September to a given day, written after `build_demo_school`.

`build_demo_journal(seed=..., until=...)` plans the journal in memory with one random generator and
writes it in one transaction, so the same school, seed and `until` give the same journal:

- lessons of every teaching assignment (subgroups included) on a Monday–Friday timetable made from the
  curriculum's weekly hours, skipping weekends, public holidays and the holidays between terms; each
  with a work type (mostly «Ответ на уроке», a «Контрольная» every 8th lesson, «Итоговая» at the end
  of the term), a topic and homework;
- attendance (short illnesses, family reasons, skipped lessons, lateness, and a few long illnesses)
  and marks from each student's profile (отличник, хорошист, one «3», average, weak) on about a third
  of the class per lesson, everyone present on tests; grade 1 gets «базовый уровень» on its checks;
- for every term that ended by `until` (grades 2–11): term marks as gradebook.rules suggests (about 1%
  set otherwise, with the teacher's reason), annual marks once all terms ended, and the terms closed
  by the deputy; about ten correction requests on the first quarter, filed and decided through
  gradebook.journal_services.

Every lesson, mark, attendance entry and term mark gets its JournalHistory "create" row with the
teacher as actor and the same `new` state the services write.

Timestamps: the ORM stamps `auto_now` / `auto_now_add` fields with the current time on every insert
(bulk_create too), and PostgreSQL refuses UPDATE on the history, so backdated rows cannot be written
through the ORM. Marks, attendance, term marks and history are therefore written by
`journal_writer.insert_rows` (COPY on PostgreSQL, INSERT elsewhere) with exactly the columns the models
define and values prepared by the model fields, so that `updated_at` and `at` tell when a teacher would
have written them: during the lesson (term marks: the term's last afternoon), never later than now.
Lessons have no timestamp and go through bulk_create. Closures and corrections go through the services
and carry the real time of generation, after everything else. Speed: about 10 s for 1,100 students up
to late November on SQLite.
"""

import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from gradebook.demo.journal_corrections import corrections_create
from gradebook.demo.journal_lessons import class_journal
from gradebook.demo.journal_school import (
    WORK_ANSWER,
    WORK_CHECK,
    WORK_FINAL,
    WORK_INDEPENDENT,
    WORK_TEST,
    journal_school_load,
)
from gradebook.demo.journal_students import plan_students
from gradebook.demo.journal_terms import annual_marks_create, close_terms, term_marks_create
from gradebook.demo.journal_writer import JournalWriter
from gradebook.models import Attendance, JournalHistory, Lesson, Mark, TermMark


@dataclass(frozen=True)
class JournalSummary:
    until: date
    lessons: int
    marks: int
    attendance: int
    term_marks: int
    annual_marks: int
    closed: int
    corrections: int
    history: int


@transaction.atomic
def build_demo_journal(*, seed: int, until: date | None = None) -> JournalSummary:
    """Fills the current year's journal up to `until` (default: today); refuses a year that has lessons.

    Call after build_demo_school. The first user with the deputy role closes the terms and decides the
    corrections; everything else is written in the name of the assignment's teacher.
    """
    until = until or timezone.localdate()
    school = journal_school_load()
    in_year = {"assignment__class_subject__school_class__academic_year": school.year}
    if Lesson.objects.filter(**in_year).exists():
        raise DomainError(_("The journal of this year already has lessons."), code="journal_exists")
    if {WORK_ANSWER, WORK_INDEPENDENT, WORK_TEST, WORK_FINAL, WORK_CHECK} - school.work.keys():
        raise DomainError(_("The default work types are missing."), code="work_types_missing")
    rng = random.Random(f"journal:{seed}")
    out = JournalWriter(now=timezone.now())
    students = plan_students(rng, school)
    for school_class in school.classes:
        class_journal(rng, school, school_class, students, until, out)
    out.flush()
    results = term_marks_create(rng, school, students, until, out)
    closed = close_terms(school, until)
    corrections = corrections_create(rng, school, out, results, until)
    annual_marks_create(school, results, until, out)
    in_lessons = {f"lesson__{key}": value for key, value in in_year.items()}
    term_marks = TermMark.objects.filter(class_subject__school_class__academic_year=school.year)
    return JournalSummary(
        until=until,
        lessons=Lesson.objects.filter(**in_year).count(),
        marks=Mark.objects.filter(**in_lessons).count(),
        attendance=Attendance.objects.filter(**in_lessons).count(),
        term_marks=term_marks.filter(kind=TermMark.Kind.TERM).count(),
        annual_marks=term_marks.filter(kind=TermMark.Kind.ANNUAL).count(),
        closed=closed,
        corrections=corrections,
        history=JournalHistory.objects.filter(class_subject__school_class__academic_year=school.year).count(),
    )
