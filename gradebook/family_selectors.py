"""What a family sees of one child: marks by subject for a term, the week's diary, changed marks; and the
class teacher's list of families who confirmed the week.

Each selector makes a fixed number of queries, whatever the number of subjects, lessons or marks (the
grading policy and the terms of a grade come from gradebook.calendar's cache). Access is the caller's
job: pass only a student or class that came through gradebook.access.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import children_of
from accounts.models import Guardianship, Student
from gradebook import calendar
from gradebook.cells import ATTENDANCE_LABELS
from gradebook.models import (
    AssessmentScale,
    Attendance,
    ClassSubject,
    Enrolment,
    JournalHistory,
    Lesson,
    Mark,
    SchoolClass,
    Subgroup,
    Term,
    TermMark,
    WeekAcknowledgement,
)
from gradebook.rules import NOT_ATTESTED, Suggestion, suggest_term_mark

DIARY_DAYS = 6  # Monday to Saturday


def is_guardian(*, user, student: Student) -> bool:
    """A legal representative of the student (guardianship_create granted it). One query."""
    return children_of(user=user).filter(pk=student.pk).exists()


def is_family(*, user, student: Student) -> bool:
    """The student themself or one of their guardians: they see what a family sees (no teachers' names)."""
    return student.user_id == user.pk or is_guardian(user=user, student=student)


# Weeks --------------------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def current_week() -> date:
    return monday_of(timezone.localdate())


def mark_text(value: int | None, passed: bool | None) -> str:
    """A mark as the journal writes it: the number, «зач» or «незач» (empty when there is none)."""
    if value is not None:
        return str(value)
    if passed is None:
        return ""
    return "зач" if passed else "незач"


# Which class and which days ------------------------------------------------------------------------------


def _overlaps(e: Enrolment, start: date, end: date) -> bool:
    return e.start_date <= end and (e.end_date is None or e.end_date >= start)


def _windows(enrolments: list[Enrolment], school_class_id: int, start: date, end: date) -> list[tuple]:
    """The days in [start, end] on which the student was in the class (one span per enrolment)."""
    return [
        (max(e.start_date, start), min(e.end_date or end, end))
        for e in enrolments
        if e.school_class_id == school_class_id and _overlaps(e, start, end)
    ]


def _dates_q(windows: list[tuple], field: str) -> Q:
    q = Q(pk__in=[])  # no window: nothing matches
    for start, end in windows:
        q |= Q(**{f"{field}__gte": start, f"{field}__lte": end})
    return q


def _in_journal_q(student: Student, prefix: str) -> Q:
    """Lessons of assignments that include the student: whole-class ones and their own subgroups'."""
    own_groups = Subgroup.objects.filter(students=student).values("pk")
    return Q(**{f"{prefix}assignment__subgroup__isnull": True}) | Q(
        **{f"{prefix}assignment__subgroup__in": own_groups}
    )


def _enrolments(student: Student) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(student=student)
        .select_related("school_class__academic_year")
        .order_by("start_date", "pk")
    )


def _class_for_term(enrolments: list[Enrolment], term: Term) -> SchoolClass:
    """The class the student was in at the latest point of the term (Http404 if in none)."""
    during = [
        e
        for e in enrolments
        if e.school_class.academic_year_id == term.academic_year_id
        and _overlaps(e, term.start_date, term.end_date)
    ]
    if not during:
        raise Http404
    return during[-1].school_class


def _default_class(enrolments: list[Enrolment], today: date) -> tuple[SchoolClass | None, date]:
    """The current class (else the latest one) and the day whose term to show by default."""
    current = [e for e in enrolments if _overlaps(e, today, today)]
    if current:
        return current[-1].school_class, today
    if not enrolments:
        return None, today
    last = enrolments[-1]
    on = min(max(today, last.start_date), last.end_date or today)
    return last.school_class, on


def _default_term(terms: list[calendar.TermInfo], on: date) -> calendar.TermInfo | None:
    """The term containing the day; in a holiday the one just ended; before the year the first."""
    if not terms:
        return None
    started = [t for t in terms if t.start_date <= on]
    return started[-1] if started else terms[0]


# Marks by subject -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkEntry:
    date: date
    mark: str  # "5", "зач", "незач"
    value: int | None
    work_type: str
    work_type_short: str
    weight: Decimal
    comment: str
    topic: str


@dataclass(frozen=True)
class SubjectMarks:
    class_subject_id: int
    subject: str
    scale: str
    scale_display: str
    marks: list[MarkEntry]
    absences: int  # н, б, уп
    lates: int  # оп
    summary: Suggestion | None  # weighted mean and suggestion, five-point subjects only
    term_mark: str  # "" while the teacher has not set it


@dataclass(frozen=True)
class StudentMarks:
    student: Student
    school_class: SchoolClass | None
    term: calendar.TermInfo | None
    terms: list[calendar.TermInfo]
    subjects: list[SubjectMarks]


def student_marks(*, student: Student, term_or_none: int | None) -> StudentMarks:
    """The term's marks of the student per subject of their class, with the weighted mean and suggestion.

    term_or_none: a Term id of the class's grade, or None for the term containing today (in a holiday,
    the one just ended). The class is the one the student was in during that term; for None, the
    current class (or, after leaving, the last one). Raises Http404 for a term in which the student
    was in no class, or one that is not a term of that class's grade.
    """
    enrolments = _enrolments(student)
    if term_or_none is not None:
        term_row = Term.objects.filter(pk=term_or_none).first()
        if term_row is None:
            raise Http404
        school_class = _class_for_term(enrolments, term_row)
    else:
        school_class, on = _default_class(enrolments, timezone.localdate())
    if school_class is None:
        return StudentMarks(student, None, None, [], [])
    terms = calendar.terms_of_grade(year_id=school_class.academic_year_id, grade=school_class.grade)
    if term_or_none is not None:
        term = next((t for t in terms if t.id == term_row.pk), None)
        if term is None:
            raise Http404
    else:
        term = _default_term(terms, on)
    subjects = list(ClassSubject.objects.filter(school_class=school_class).select_related("subject"))
    if term is None:
        return StudentMarks(student, school_class, None, terms, _subject_rows(subjects, {}, {}, {}))
    windows = _windows(enrolments, school_class.pk, term.start_date, term.end_date)
    lessons_q = (
        Q(lesson__assignment__class_subject__school_class=school_class)
        & _in_journal_q(student, "lesson__")
        & _dates_q(windows, "lesson__date")
    )
    marks = _marks_by_subject(student, lessons_q)
    attendance = _attendance_by_subject(student, lessons_q)
    term_marks = {
        tm.class_subject_id: tm.display
        for tm in TermMark.objects.filter(
            student=student,
            kind=TermMark.Kind.TERM,
            term_id=term.id,
            class_subject__school_class=school_class,
        )
    }
    return StudentMarks(
        student, school_class, term, terms, _subject_rows(subjects, marks, attendance, term_marks)
    )


def _marks_by_subject(student: Student, lessons_q: Q) -> dict[int, list[MarkEntry]]:
    rows = (
        Mark.objects.filter(lessons_q, student=student)
        .order_by("lesson__date", "lesson_id")
        .values_list(
            "lesson__assignment__class_subject_id",
            "lesson__date",
            "value",
            "passed",
            "comment",
            "lesson__work_type__name",
            "lesson__work_type__short_name",
            "lesson__work_type__weight",
            "lesson__topic",
        )
    )
    by_subject: dict[int, list[MarkEntry]] = defaultdict(list)
    for cs_id, day, value, passed, comment, wt, wt_short, weight, topic in rows:
        by_subject[cs_id].append(
            MarkEntry(day, mark_text(value, passed), value, wt, wt_short, weight, comment, topic)
        )
    return by_subject


def _attendance_by_subject(student: Student, lessons_q: Q) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"absences": 0, "lates": 0})
    rows = (
        Attendance.objects.filter(lessons_q, student=student)
        .order_by()
        .values_list("lesson__assignment__class_subject_id", "kind")
        .annotate(n=Count("id"))
    )
    for cs_id, kind, n in rows:
        counts[cs_id]["lates" if kind == Attendance.Kind.LATE else "absences"] += n
    return counts


def _subject_rows(subjects, marks, attendance, term_marks) -> list[SubjectMarks]:
    policy = calendar.policy()
    rows = []
    for cs in subjects:
        entries = marks.get(cs.pk, [])
        summary = None
        if cs.scale == AssessmentScale.FIVE_POINT:
            weighted = [(m.value, m.weight) for m in entries if m.value is not None]
            summary = suggest_term_mark(weighted, thresholds=policy.thresholds, min_marks=policy.min_marks)
        seen = attendance.get(cs.pk, {"absences": 0, "lates": 0})
        rows.append(
            SubjectMarks(
                cs.pk,
                cs.subject.name,
                cs.scale,
                str(cs.get_scale_display()),
                entries,
                seen["absences"],
                seen["lates"],
                summary,
                term_marks.get(cs.pk, ""),
            )
        )
    return rows


def week_marks_count(*, student: Student, week_start: date) -> int:
    """How many marks the student got at lessons of the diary's week (Monday to Saturday). One query."""
    return Mark.objects.filter(
        student=student,
        lesson__date__gte=week_start,
        lesson__date__lte=week_start + timedelta(days=DIARY_DAYS - 1),
    ).count()


# The diary ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiaryLesson:
    lesson_id: int
    subject: str
    topic: str
    homework: str
    work_type: str
    mark: str
    mark_comment: str
    attendance: str  # н, б, уп, оп or ""


@dataclass(frozen=True)
class DiaryDay:
    date: date
    lessons: list[DiaryLesson]


@dataclass(frozen=True)
class GuardianAcknowledgement:
    guardian_id: int
    name: str
    relation: str
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class StudentWeek:
    student: Student
    week_start: date
    week_end: date  # Saturday
    days: list[DiaryDay]
    acknowledgements: list[GuardianAcknowledgement]
    marks_count: int

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def is_future(self) -> bool:
        return self.week_start > timezone.localdate()

    @property
    def acknowledged(self) -> bool:
        return any(a.acknowledged_at for a in self.acknowledgements)

    def acknowledged_by(self, user) -> datetime | None:
        return next((a.acknowledged_at for a in self.acknowledgements if a.guardian_id == user.pk), None)


def student_week(*, student: Student, week_start: date) -> StudentWeek:
    """The diary of the week from `week_start` (a Monday) to Saturday: each day's lessons of the student's
    journals on days they were enrolled, with their mark and attendance, and each guardian's «ознакомлен»."""
    week_start = monday_of(week_start)
    week_end = week_start + timedelta(days=DIARY_DAYS - 1)
    enrolments = list(
        Enrolment.objects.filter(student=student, start_date__lte=week_end).exclude(end_date__lt=week_start)
    )
    windows_q = Q(pk__in=[])
    for e in enrolments:
        windows_q |= Q(assignment__class_subject__school_class_id=e.school_class_id) & _dates_q(
            _windows([e], e.school_class_id, week_start, week_end), "date"
        )
    lessons = list(
        Lesson.objects.filter(windows_q & _in_journal_q(student, ""))
        .select_related("assignment__class_subject__subject", "work_type")
        .order_by(
            "date",
            "assignment__class_subject__subject__order",
            "assignment__class_subject__subject__name",
            "id",
        )
    )
    ids = [lesson.pk for lesson in lessons]
    marks = {
        lesson_id: (mark_text(value, passed), comment)
        for lesson_id, value, passed, comment in Mark.objects.filter(
            student=student, lesson_id__in=ids
        ).values_list("lesson_id", "value", "passed", "comment")
    }
    attendance = dict(
        Attendance.objects.filter(student=student, lesson_id__in=ids).values_list("lesson_id", "kind")
    )
    by_day: dict[date, list[DiaryLesson]] = defaultdict(list)
    for lesson in lessons:
        mark, comment = marks.get(lesson.pk, ("", ""))
        by_day[lesson.date].append(
            DiaryLesson(
                lesson.pk,
                lesson.assignment.class_subject.subject.name,
                lesson.topic,
                lesson.homework,
                lesson.work_type.name,
                mark,
                comment,
                ATTENDANCE_LABELS.get(attendance.get(lesson.pk), ""),
            )
        )
    days = [
        DiaryDay(d, by_day.get(d, [])) for d in (week_start + timedelta(days=i) for i in range(DIARY_DAYS))
    ]
    return StudentWeek(
        student, week_start, week_end, days, _acknowledgements(student, week_start), len(marks)
    )


def _acknowledgements(student: Student, week_start: date) -> list[GuardianAcknowledgement]:
    confirmed = dict(
        WeekAcknowledgement.objects.filter(student=student, week_start=week_start).values_list(
            "guardian_id", "acknowledged_at"
        )
    )
    return [
        GuardianAcknowledgement(
            g.guardian_id,
            g.guardian.full_name or g.guardian.username,
            str(g.get_relation_display()),
            confirmed.get(g.guardian_id),
        )
        for g in Guardianship.objects.filter(student=student).select_related("guardian")
    ]


# Changed marks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkChange:
    at: datetime
    entity: str  # "mark" or "term_mark"
    action: str  # "update" or "delete"
    subject: str
    lesson_date: date | None  # None for a term mark
    term: str  # the term of a term mark, "" for a lesson mark
    old: str
    new: str  # "" when removed
    comment: str
    reason: str
    actor: str | None  # None unless asked for (staff only)

    @property
    def removed(self) -> bool:
        return self.action == JournalHistory.Action.DELETE or not self.new

    @property
    def display(self) -> str:
        return f"{self.old or '—'} → {self.new if not self.removed else _('removed')}"


def _state_text(state: dict | None) -> str:
    if not state:
        return ""
    if state.get("not_attested"):
        return NOT_ATTESTED
    return mark_text(state.get("value"), state.get("passed"))


def student_mark_changes(
    *, student: Student, since: date | None = None, with_actors: bool = False
) -> list[MarkChange]:
    """Changed and removed marks and term marks of the student, newest first, from the journal history.

    Who changed a mark is loaded only with `with_actors` (for staff): families see when, what and why,
    never the teacher's name.
    """
    rows = JournalHistory.objects.filter(
        student=student,
        entity__in=[JournalHistory.Entity.MARK, JournalHistory.Entity.TERM_MARK],
        action__in=[JournalHistory.Action.UPDATE, JournalHistory.Action.DELETE],
    ).select_related("class_subject__subject")
    if since is not None:
        rows = rows.filter(at__date__gte=since)
    if with_actors:
        rows = rows.select_related("actor")
    rows = list(rows.order_by("-at", "-id"))
    term_ids = [r.entity_id for r in rows if r.entity == JournalHistory.Entity.TERM_MARK]
    terms = {}
    if term_ids:
        terms = {
            tm.pk: str(tm.term.label) if tm.term_id else str(tm.get_kind_display())
            for tm in TermMark.objects.filter(pk__in=term_ids).select_related("term")
        }
    return [
        MarkChange(
            at=r.at,
            entity=r.entity,
            action=r.action,
            subject=r.class_subject.subject.name,
            lesson_date=r.lesson_date,
            term=terms.get(r.entity_id, ""),
            old=_state_text(r.old),
            new=_state_text(r.new) if r.action != JournalHistory.Action.DELETE else "",
            comment=(r.new or {}).get("comment", "") or "",
            reason=r.reason,
            actor=(r.actor.short_name if with_actors else None),
        )
        for r in rows
    ]


# The class teacher's list --------------------------------------------------------------------------------


class AckState:
    CONFIRMED = "confirmed"
    PENDING = "pending"
    NO_GUARDIANS = "no_guardians"


@dataclass(frozen=True)
class FamilyAcknowledgement:
    student: Student
    guardians: list[GuardianAcknowledgement]
    state: str  # AckState

    @property
    def confirmed(self) -> bool:
        return self.state == AckState.CONFIRMED


@dataclass(frozen=True)
class ClassAcknowledgements:
    school_class: SchoolClass
    week_start: date
    week_end: date
    rows: list[FamilyAcknowledgement]

    @property
    def not_confirmed(self) -> list[FamilyAcknowledgement]:
        return [r for r in self.rows if not r.confirmed]

    @property
    def confirmed(self) -> list[FamilyAcknowledgement]:
        return [r for r in self.rows if r.confirmed]

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)


def class_acknowledgements(*, school_class: SchoolClass, week_start: date) -> ClassAcknowledgements:
    """Each student in the class during the week, their guardians and who of them confirmed the week.

    A family has confirmed when at least one of the child's guardians has. Three queries.
    """
    week_start = monday_of(week_start)
    week_end = week_start + timedelta(days=DIARY_DAYS - 1)
    enrolments = (
        Enrolment.objects.filter(school_class=school_class, start_date__lte=week_end)
        .exclude(end_date__lt=week_start)
        .select_related("student")
        .prefetch_related(
            Prefetch("student__guardianships", queryset=Guardianship.objects.select_related("guardian"))
        )
        .order_by("student__last_name", "student__first_name", "student_id")
    )
    confirmed = {
        (student_id, guardian_id): at
        for student_id, guardian_id, at in WeekAcknowledgement.objects.filter(
            week_start=week_start, student__in=enrolments.values("student")
        ).values_list("student_id", "guardian_id", "acknowledged_at")
    }
    rows, seen = [], set()
    for e in enrolments:
        if e.student_id in seen:
            continue
        seen.add(e.student_id)
        guardians = [
            GuardianAcknowledgement(
                g.guardian_id,
                g.guardian.full_name or g.guardian.username,
                str(g.get_relation_display()),
                confirmed.get((e.student_id, g.guardian_id)),
            )
            for g in e.student.guardianships.all()
        ]
        if not guardians:
            state = AckState.NO_GUARDIANS
        elif any(g.acknowledged_at for g in guardians):
            state = AckState.CONFIRMED
        else:
            state = AckState.PENDING
        rows.append(FamilyAcknowledgement(e.student, guardians, state))
    return ClassAcknowledgements(school_class, week_start, week_end, rows)
