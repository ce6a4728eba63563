"""The demo school's previous academic year, kept as its results (`manage.py demo_school --previous-year`), so
that the «Динамика» report and a child's dynamics have more than one year to show.

Written after the school and its journal, in one transaction:
- the year before the current one, with its default terms and schemes;
- for every class of grades 2–11 its predecessor: one grade lower, the same letter and class teacher;
- the predecessor's curriculum: the demo curriculum of that grade, each line assessed as the rules say;
- the students who began the current year in the class, enrolled in the predecessor for the whole year
  (until 31 May, moved up);
- for the predecessors of grades 2–10 (grade 1 is mark-free) a term mark for every term and an annual mark
  per line, written with their history in the name of the teacher who teaches the subject in the class now
  (else the class teacher); the terms closed by the deputy. No lessons: a past year is kept as its results.

A student's marks follow their current ones: in each subject their current term mark, else the weighted mean
of their journal marks so far (a subject they no longer have: the mean of their other subjects; 4 when there
is nothing yet), give or take a little each term, drawn with one random generator from the seed; pass/fail
courses are passed. The annual mark is what
gradebook.rules suggests from the term marks.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import DecimalField, F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Role
from gradebook import calendar
from gradebook.demo.curriculum import SUBJECTS, curriculum
from gradebook.demo.journal_school import JournalLine
from gradebook.demo.journal_terms import _term_marks_write, term_mark_state
from gradebook.demo.journal_writer import JournalWriter
from gradebook.journal_services import term_close
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    Enrolment,
    GradeTermScheme,
    Mark,
    SchoolClass,
    Subject,
    TeachingAssignment,
    Term,
    TermMark,
)
from gradebook.rules import NOT_ATTESTED, Thresholds, suggest_annual_mark
from gradebook.services import academic_year_create, class_subject_set, school_class_create

User = get_user_model()


@dataclass(frozen=True)
class PreviousYearSummary:
    year: str
    classes: int
    students: int
    term_marks: int
    annual_marks: int


@transaction.atomic
def build_demo_previous_year(*, seed: int) -> PreviousYearSummary:
    """Writes the year before the current one; refuses when it exists or there is no school."""
    current = AcademicYear.objects.filter(is_current=True).first()
    deputy = User.objects.filter(staff_roles__role=Role.DEPUTY).order_by("pk").first()
    if current is None or deputy is None:
        raise DomainError(_("Create the demo school first."), code="no_school")
    start = current.start_date.year - 1
    if AcademicYear.objects.filter(name=f"{start}/{start + 1}").exists():
        raise DomainError(_("The previous academic year already exists."), code="year_exists")
    rng = random.Random(f"previous-year:{seed}")
    year = academic_year_create(start_year=start)
    subjects = {s.name: s for s in Subject.objects.all()}
    classes = _classes(current, year)
    lines = {c.pk: _lines(c, subjects, teachers) for c, teachers in classes.values()}
    members = _members(current, year, classes)
    levels = _levels(current)
    terms = _terms(year)
    thresholds = calendar.policy().thresholds
    results = []
    for predecessor, _teachers in classes.values():
        if predecessor.grade < 2:
            continue
        own_terms = terms[predecessor.grade]
        for line in lines[predecessor.pk]:
            for student in members[predecessor.pk]:
                level = levels.get((student, line.name)) or levels.get((student, None), 4.0)
                results += _marks(rng, line, student, level, own_terms, thresholds)
    out = JournalWriter(now=timezone.now())
    _term_marks_write(results, out)
    for term in Term.objects.filter(academic_year=year):
        same = [c for c, _t in classes.values() if c.grade >= 2 and term.pk in {t.pk for t in terms[c.grade]}]
        if same:
            term_close(user=deputy, term=term, classes=same)
    marks = TermMark.objects.filter(class_subject__school_class__academic_year=year)
    return PreviousYearSummary(
        year.name,
        len(classes),
        sum(len(m) for m in members.values()),
        marks.filter(kind=TermMark.Kind.TERM).count(),
        marks.filter(kind=TermMark.Kind.ANNUAL).count(),
    )


def _classes(current: AcademicYear, year: AcademicYear) -> dict[int, tuple[SchoolClass, dict[int, int]]]:
    """Current class id → (its predecessor, subject → the teacher who teaches it in the class now)."""
    teachers = defaultdict(dict)
    for class_id, subject_id, teacher_id in (
        TeachingAssignment.objects.filter(class_subject__school_class__academic_year=current)
        .order_by("pk")
        .values_list("class_subject__school_class_id", "class_subject__subject_id", "teacher_id")
    ):
        teachers[class_id].setdefault(subject_id, teacher_id)
    found = {}
    for c in SchoolClass.objects.filter(academic_year=current, grade__gte=2).select_related("class_teacher"):
        predecessor = school_class_create(
            academic_year=year, grade=c.grade - 1, letter=c.letter, class_teacher=c.class_teacher
        )
        found[c.pk] = (predecessor, {**teachers[c.pk], None: c.class_teacher_id})
    return found


def _lines(predecessor: SchoolClass, subjects: dict[str, Subject], teachers: dict) -> list[JournalLine]:
    """The predecessor's assessed curriculum lines, each with the teacher the marks are written by."""
    lines = []
    for key, hours in curriculum(predecessor.grade):
        subject = subjects.get(SUBJECTS[key][0])
        if subject is None:
            continue
        line = class_subject_set(school_class=predecessor, subject=subject, hours_per_week=hours)
        if line.scale in (AssessmentScale.FIVE_POINT, AssessmentScale.PASS_FAIL):
            teacher = teachers.get(subject.pk) or teachers[None]
            if teacher is not None:
                lines.append(JournalLine(line.pk, subject.name, line.scale, hours, [(0, None, teacher)]))
    return lines


def _members(current: AcademicYear, year: AcademicYear, classes: dict) -> dict[int, list[int]]:
    """Predecessor → the students who began the current year in its successor, enrolled there all year."""
    members = defaultdict(list)
    for student_id, class_id in Enrolment.objects.filter(
        school_class__in=list(classes), start_date=current.start_date
    ).values_list("student_id", "school_class_id"):
        members[classes[class_id][0].pk].append(student_id)
    last_day = date(year.start_date.year + 1, 5, 31)
    Enrolment.objects.bulk_create(
        Enrolment(
            student_id=student_id,
            school_class_id=class_id,
            start_date=year.start_date,
            end_date=last_day,
            leave_reason=Enrolment.LeaveReason.PROMOTION,
        )
        for class_id, students in members.items()
        for student_id in sorted(students)
    )
    return members


def _levels(current: AcademicYear) -> dict[tuple[int, str | None], float]:
    """(student, subject name) → their level in the subject now: the current term mark, else the weighted
    mean of their journal marks so far; (student, None) → the mean of those over their subjects."""
    in_year = {
        "lesson__assignment__class_subject__school_class__academic_year": current,
        "value__isnull": False,
    }
    subject = "lesson__assignment__class_subject__subject__name"
    levels = {
        (student, name): float(weighted / weights)
        for student, name, weighted, weights in Mark.objects.filter(**in_year)
        .values("student_id", subject)
        .annotate(
            weighted=Sum(F("value") * F("lesson__work_type__weight"), output_field=DecimalField()),
            weights=Sum("lesson__work_type__weight", output_field=DecimalField()),
        )
        .values_list("student_id", subject, "weighted", "weights")
    }
    levels.update(
        ((student, name), float(value))
        for student, name, value in TermMark.objects.filter(
            class_subject__school_class__academic_year=current, kind=TermMark.Kind.TERM, value__isnull=False
        )
        .order_by("term__number")
        .values_list("student_id", "class_subject__subject__name", "value")
    )
    by_student = defaultdict(list)
    for (student, _name), level in levels.items():
        by_student[student].append(level)
    levels.update(((student, None), sum(found) / len(found)) for student, found in by_student.items())
    return levels


def _terms(year: AcademicYear) -> dict[int, list[Term]]:
    schemes = dict(GradeTermScheme.objects.filter(academic_year=year).values_list("grade", "scheme"))
    terms = defaultdict(list)
    for term in Term.objects.filter(academic_year=year).order_by("number"):
        terms[term.scheme].append(term)
    return {grade: terms[scheme] for grade, scheme in schemes.items()}


def _marks(
    rng: random.Random,
    line: JournalLine,
    student: int,
    level: float,
    terms: list[Term],
    thresholds: Thresholds,
) -> list[tuple]:
    """The rows of `_term_marks_write`: the term marks of one line and student, then the annual mark."""
    rows, texts = [], []
    for term in terms:
        if line.scale == AssessmentScale.PASS_FAIL:
            state = term_mark_state(None, rng.random() > 0.01, False)
        else:
            value = min(5, max(2, round(level + rng.gauss(0, 0.35))))
            state = term_mark_state(value, None, False)
            texts.append(str(value))
        rows.append((line, student, term.pk, TermMark.Kind.TERM, state, "", term.end_date))
    if line.scale == AssessmentScale.PASS_FAIL:
        passed = all(r[4]["passed"] for r in rows)
        rows.append(
            (
                line,
                student,
                None,
                TermMark.Kind.ANNUAL,
                term_mark_state(None, passed, False),
                "",
                terms[-1].end_date,
            )
        )
        return rows
    suggested = suggest_annual_mark(texts, thresholds=thresholds).result
    state = (
        term_mark_state(None, None, True)
        if suggested == NOT_ATTESTED
        else term_mark_state(int(suggested), None, False)
    )
    rows.append((line, student, None, TermMark.Kind.ANNUAL, state, suggested, terms[-1].end_date))
    return rows
