"""Writing one cell of the journal: a mark or an attendance entry of one student at one lesson.

This is the hot path (every keystroke of every teacher), so it loads everything it must check in a
single query (`_context`): the lesson with its class and scale, whether the term is closed, whether the
student is in the journal on that date, and the cell's current mark and attendance with their versions.
Then one write, one history row. Versions make concurrent edits visible instead of silent: a save
carries the version the page saw, and a different current version is refused with the current value.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import ConflictError, DomainError
from gradebook import calendar
from gradebook.models import Attendance, Enrolment, JournalHistory, Lesson, Mark, Subgroup, TermClosure
from gradebook.rules import parse_mark
from gradebook.year_lock import year_closed_error

ATTENDANCE_CODES = {"н": "absent", "б": "sick", "уп": "excused", "оп": "late"}
ATTENDANCE_LABELS = {v: k for k, v in ATTENDANCE_CODES.items()}


@dataclass(frozen=True)
class CellResult:
    """What the page shows after a save: the cell's display and the versions to send next time."""

    lesson_id: int
    student_id: int
    assignment_id: int
    lesson_date: object
    year_id: int
    grade: int
    mark: str
    comment: str
    mark_version: int
    attendance: str
    attendance_version: int


def _context(lessons: QuerySet[Lesson], *, lesson_id: int, student_id: int) -> Lesson:
    """The lesson (from `lessons`, the caller's writable ones) annotated with everything a save checks."""
    school_class = OuterRef("assignment__class_subject__school_class")
    day = OuterRef("date")
    mark = Mark.objects.filter(lesson=OuterRef("pk"), student_id=student_id)
    attendance = Attendance.objects.filter(lesson=OuterRef("pk"), student_id=student_id)
    in_subgroup = Exists(
        Subgroup.students.through.objects.filter(
            subgroup_id=OuterRef("assignment__subgroup_id"), student_id=student_id
        )
    )
    lesson = (
        lessons.filter(pk=lesson_id)
        .select_related("assignment__class_subject__school_class__academic_year", "work_type")
        .annotate(
            closed=Exists(
                TermClosure.objects.filter(
                    school_class=school_class, term__start_date__lte=day, term__end_date__gte=day
                )
            ),
            enrolled=Exists(
                Enrolment.objects.filter(
                    student_id=student_id, school_class=school_class, start_date__lte=day
                ).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            ),
            in_group=Case(
                When(assignment__subgroup__isnull=True, then=Value(True)),
                default=in_subgroup,
                output_field=BooleanField(),
            ),
            mark_id=Subquery(mark.values("id")[:1]),
            mark_value=Subquery(mark.values("value")[:1]),
            mark_passed=Subquery(mark.values("passed")[:1]),
            mark_comment=Subquery(mark.values("comment")[:1]),
            mark_version=Subquery(mark.values("version")[:1]),
            att_id=Subquery(attendance.values("id")[:1]),
            att_kind=Subquery(attendance.values("kind")[:1]),
            att_version=Subquery(attendance.values("version")[:1]),
        )
        .first()
    )
    if lesson is None:
        raise Http404  # missing, or not a journal this user writes to: the same answer
    year = lesson.assignment.class_subject.school_class.academic_year
    if year.closed_at is not None:
        raise year_closed_error(year.name)
    if lesson.closed:
        raise DomainError(
            _("The term is closed for this class. File a correction request."), code="term_closed"
        )
    if not (lesson.enrolled and lesson.in_group):
        raise DomainError(
            _("This student is not in this journal on %(date)s.")
            % {"date": lesson.date.strftime("%d.%m.%Y")},
            code="student_not_in_journal",
        )
    return lesson


def _mark_text(value, passed) -> str:
    if value is not None:
        return str(value)
    if passed is None:
        return ""
    return "зач" if passed else "незач"


def _check(current_version, expected_version, current_text: str) -> None:
    if expected_version is not None and (current_version or 0) != expected_version:
        raise ConflictError(
            _("Someone else has just changed this cell; it now holds «%(current)s».")
            % {"current": current_text or "—"},
            code="version_conflict",
            details={"current": current_text, "version": current_version or 0},
        )


def _history(
    *, user, lesson: Lesson, student_id: int, entity: str, entity_id: int, action: str, old, new, reason=""
):
    JournalHistory.objects.create(
        actor=user,
        entity=entity,
        entity_id=entity_id,
        action=action,
        assignment_id=lesson.assignment_id,
        class_subject_id=lesson.assignment.class_subject_id,
        student_id=student_id,
        lesson_date=lesson.date,
        old=old,
        new=new,
        reason=reason,
    )


def _result(lesson: Lesson, student_id: int, **changes) -> CellResult:
    state = {
        "mark": _mark_text(lesson.mark_value, lesson.mark_passed),
        "comment": lesson.mark_comment or "",
        "mark_version": lesson.mark_version or 0,
        "attendance": ATTENDANCE_LABELS.get(lesson.att_kind, ""),
        "attendance_version": lesson.att_version or 0,
    } | changes
    school_class = lesson.assignment.class_subject.school_class
    return CellResult(
        lesson_id=lesson.pk,
        student_id=student_id,
        assignment_id=lesson.assignment_id,
        lesson_date=lesson.date,
        year_id=school_class.academic_year_id,
        grade=school_class.grade,
        **state,
    )


@transaction.atomic
def cell_mark_set(
    *,
    user,
    lessons: QuerySet[Lesson],
    lesson_id: int,
    student_id: int,
    raw: str,
    comment: str = "",
    expected_version: int | None = None,
) -> CellResult:
    """Sets a mark from what the teacher typed, checked against the subject's scale in the class."""
    if len(comment) > 200:
        raise DomainError(_("A comment may be at most 200 characters long."), code="comment_too_long")
    lesson = _context(lessons, lesson_id=lesson_id, student_id=student_id)
    parsed = parse_mark(
        raw, scale=lesson.assignment.class_subject.scale, allow_mark_1=calendar.policy().allow_mark_1
    )
    old_text = _mark_text(lesson.mark_value, lesson.mark_passed)
    _check(lesson.mark_version, expected_version, old_text)
    old = (
        None
        if lesson.mark_id is None
        else {"value": lesson.mark_value, "passed": lesson.mark_passed, "comment": lesson.mark_comment}
    )
    new = {"value": parsed.value, "passed": parsed.passed, "comment": comment}
    if old == new:
        return _result(lesson, student_id)
    if lesson.mark_id is None:
        # A concurrent insert of the same cell fails on the unique constraint; the caller maps
        # IntegrityError to a conflict (no nested savepoint here: this is the hot path).
        mark = Mark.objects.create(
            lesson_id=lesson.pk,
            student_id=student_id,
            value=parsed.value,
            passed=parsed.passed,
            comment=comment,
            updated_by=user,
        )
        mark_id, version, action = mark.pk, 1, "create"
    else:
        version = lesson.mark_version + 1
        updated = Mark.objects.filter(pk=lesson.mark_id, version=lesson.mark_version).update(
            value=parsed.value,
            passed=parsed.passed,
            comment=comment,
            version=version,
            updated_by=user,
            updated_at=timezone.now(),
        )
        if not updated:
            raise ConflictError(
                _("Someone else has just changed this cell; reload it."), code="version_conflict"
            )
        mark_id, action = lesson.mark_id, "update"
    _history(
        user=user,
        lesson=lesson,
        student_id=student_id,
        entity="mark",
        entity_id=mark_id,
        action=action,
        old=old,
        new=new,
    )
    return _result(
        lesson,
        student_id,
        mark=_mark_text(parsed.value, parsed.passed),
        comment=comment,
        mark_version=version,
    )


@transaction.atomic
def cell_mark_clear(
    *,
    user,
    lessons: QuerySet[Lesson],
    lesson_id: int,
    student_id: int,
    expected_version: int | None = None,
    reason: str = "",
) -> CellResult:
    lesson = _context(lessons, lesson_id=lesson_id, student_id=student_id)
    _check(lesson.mark_version, expected_version, _mark_text(lesson.mark_value, lesson.mark_passed))
    if lesson.mark_id is None:
        return _result(lesson, student_id)
    deleted, _by_model = Mark.objects.filter(pk=lesson.mark_id, version=lesson.mark_version).delete()
    if not deleted:
        raise ConflictError(_("Someone else has just changed this cell; reload it."), code="version_conflict")
    old = {"value": lesson.mark_value, "passed": lesson.mark_passed, "comment": lesson.mark_comment}
    _history(
        user=user,
        lesson=lesson,
        student_id=student_id,
        entity="mark",
        entity_id=lesson.mark_id,
        action="delete",
        old=old,
        new=None,
        reason=reason,
    )
    return _result(lesson, student_id, mark="", comment="", mark_version=0)


@transaction.atomic
def cell_attendance_set(
    *,
    user,
    lessons: QuerySet[Lesson],
    lesson_id: int,
    student_id: int,
    code: str | None,
    expected_version: int | None = None,
) -> CellResult:
    """Sets attendance from its journal code (н, б, уп, оп), or clears it with code=None."""
    kind = None
    if code is not None:
        kind = ATTENDANCE_CODES.get(code.strip().lower())
        if kind is None:
            raise DomainError(_("Attendance is one of н, б, уп, оп."), code="invalid_attendance")
    lesson = _context(lessons, lesson_id=lesson_id, student_id=student_id)
    _check(lesson.att_version, expected_version, ATTENDANCE_LABELS.get(lesson.att_kind, ""))
    if lesson.att_kind == kind:
        return _result(lesson, student_id)
    old = {"kind": lesson.att_kind} if lesson.att_id else None
    if kind is None:
        Attendance.objects.filter(pk=lesson.att_id).delete()
        entity_id, version, action = lesson.att_id, 0, "delete"
    elif lesson.att_id is None:
        entry = Attendance.objects.create(
            lesson_id=lesson.pk, student_id=student_id, kind=kind, updated_by=user
        )
        entity_id, version, action = entry.pk, 1, "create"
    else:
        version = lesson.att_version + 1
        updated = Attendance.objects.filter(pk=lesson.att_id, version=lesson.att_version).update(
            kind=kind, version=version, updated_by=user, updated_at=timezone.now()
        )
        if not updated:
            raise ConflictError(
                _("Someone else has just changed this cell; reload it."), code="version_conflict"
            )
        entity_id, action = lesson.att_id, "update"
    _history(
        user=user,
        lesson=lesson,
        student_id=student_id,
        entity="attendance",
        entity_id=entity_id,
        action=action,
        old=old,
        new={"kind": kind} if kind else None,
    )
    return _result(lesson, student_id, attendance=ATTENDANCE_LABELS.get(kind, ""), attendance_version=version)


def mark_set(
    *, user, lesson: Lesson, student, raw: str, comment: str = "", expected_version: int | None = None
) -> CellResult:
    """cell_mark_set for callers that already hold the lesson and student (imports, corrections, tests)."""
    return cell_mark_set(
        user=user,
        lessons=Lesson.objects.all(),
        lesson_id=lesson.pk,
        student_id=student.pk,
        raw=raw,
        comment=comment,
        expected_version=expected_version,
    )


def mark_clear(
    *, user, lesson: Lesson, student, expected_version: int | None = None, reason: str = ""
) -> CellResult:
    return cell_mark_clear(
        user=user,
        lessons=Lesson.objects.all(),
        lesson_id=lesson.pk,
        student_id=student.pk,
        expected_version=expected_version,
        reason=reason,
    )


def attendance_set(
    *, user, lesson: Lesson, student, code: str | None, expected_version: int | None = None
) -> CellResult:
    return cell_attendance_set(
        user=user,
        lessons=Lesson.objects.all(),
        lesson_id=lesson.pk,
        student_id=student.pk,
        code=code,
        expected_version=expected_version,
    )
