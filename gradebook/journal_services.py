"""Writes to the class journal other than single cells (those are in gradebook.cells). Each service checks everything that can refuse before its first
write, runs in one transaction, and writes the JournalHistory row(s) in that same transaction.

Callers (views, API, imports) check *who* may write to the assignment through gradebook.access; the
services check *what* may be written: the scale, the student's enrolment, closed terms, versions.
"""

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import ConflictError, DomainError
from accounts.models import Student
from gradebook import calendar
from gradebook.models import (
    AssessmentScale,
    ClassSubject,
    CorrectionRequest,
    Enrolment,
    GradeTermScheme,
    GradingPolicy,
    IntermediateAttestation,
    JournalHistory,
    Lesson,
    Mark,
    SchoolClass,
    Subgroup,
    TeachingAssignment,
    Term,
    TermClosure,
    TermMark,
    WorkType,
)
from gradebook.rules import NOT_ATTESTED, parse_mark
from gradebook.year_lock import check_year_open

History = JournalHistory


def grading_policy() -> GradingPolicy:
    policy, _created = GradingPolicy.objects.get_or_create(id=1)
    return policy


def term_of(*, school_class: SchoolClass, on: date) -> Term | None:
    """The term of the class's grade that contains the date."""
    return (
        Term.objects.filter(
            academic_year=school_class.academic_year,
            scheme__in=school_class.academic_year.grade_schemes.filter(grade=school_class.grade).values(
                "scheme"
            ),
            start_date__lte=on,
            end_date__gte=on,
        )
        .order_by("number")
        .first()
    )


def _term_closed(*, term, school_class: SchoolClass) -> DomainError:
    """The one refusal for writes into a closed term (`term` is a Term or a cached TermInfo)."""
    return DomainError(
        _("The %(term)s is closed for class %(cls)s. File a correction request.")
        % {"term": term.label, "cls": school_class.name},
        code="term_closed",
    )


def _check_open(*, school_class: SchoolClass, on: date) -> Term:
    check_year_open(year_id=school_class.academic_year_id)
    term = term_of(school_class=school_class, on=on)
    if term is None:
        raise DomainError(
            _("%(date)s is outside the terms of the year (a holiday?).") % {"date": on.strftime("%d.%m.%Y")},
            code="date_outside_terms",
        )
    if TermClosure.objects.filter(term=term, school_class=school_class).exists():
        raise _term_closed(term=term, school_class=school_class)
    return term


def _journal_members(*, lesson: Lesson, school_class: SchoolClass) -> list[Student]:
    """The students in the lesson's journal on its date: enrolled in the class, and in the subgroup if any."""
    members = Student.objects.filter(
        Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=lesson.date),
        enrolments__school_class=school_class,
        enrolments__start_date__lte=lesson.date,
    )
    if lesson.assignment.subgroup_id:
        members = members.filter(subgroups=lesson.assignment.subgroup_id)
    return list(members.distinct())


def _check_enrolled(*, lesson: Lesson, student: Student) -> None:
    assignment = lesson.assignment
    enrolled = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=lesson.date),
        student=student,
        school_class_id=assignment.class_subject.school_class_id,
        start_date__lte=lesson.date,
    ).exists()
    in_group = assignment.subgroup_id is None or assignment.subgroup.students.filter(pk=student.pk).exists()
    if not (enrolled and in_group):
        raise DomainError(
            _("%(name)s is not in this journal on %(date)s.")
            % {"name": student.short_name, "date": lesson.date.strftime("%d.%m.%Y")},
            code="student_not_in_journal",
        )


def _check_version(obj, expected_version: int | None, current: str) -> None:
    if expected_version is not None and (obj.version if obj else 0) != expected_version:
        raise ConflictError(
            _("Someone else has just changed this cell; it now holds «%(current)s».")
            % {"current": current or "—"},
            code="version_conflict",
            details={"current": current, "version": obj.version if obj else 0},
        )


def _history(
    *,
    actor,
    entity,
    entity_id,
    action,
    lesson=None,
    class_subject=None,
    student=None,
    old=None,
    new=None,
    reason="",
):
    assignment = lesson.assignment if lesson else None
    return History(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        assignment=assignment,
        class_subject_id=(assignment.class_subject_id if assignment else class_subject.pk),
        student=student,
        lesson_date=lesson.date if lesson else None,
        old=old,
        new=new,
        reason=reason,
    )


def _mark_state(mark: Mark | None) -> dict | None:
    if mark is None:
        return None
    return {"value": mark.value, "passed": mark.passed, "comment": mark.comment}


def _display(state: dict | None) -> str:
    if not state:
        return ""
    if state.get("value") is not None:
        return str(state["value"])
    return "зач" if state.get("passed") else "незач"


# Lessons ----------------------------------------------------------------------------------------------


@transaction.atomic
def lesson_create(
    *,
    user,
    assignment: TeachingAssignment,
    on: date,
    work_type: WorkType,
    topic: str = "",
    homework: str = "",
) -> Lesson:
    _check_open(school_class=assignment.class_subject.school_class, on=on)
    lesson = Lesson.objects.create(
        assignment=assignment, date=on, work_type=work_type, topic=topic, homework=homework
    )
    _history(
        actor=user,
        entity="lesson",
        entity_id=lesson.pk,
        action="create",
        lesson=lesson,
        new=_lesson_state(lesson),
    ).save()
    return lesson


def _lesson_state(lesson: Lesson) -> dict:
    return {
        "date": lesson.date.isoformat(),
        "topic": lesson.topic,
        "homework": lesson.homework,
        "work_type": lesson.work_type_id,
    }


@transaction.atomic
def lesson_update(
    *, user, lesson: Lesson, on: date, work_type: WorkType, topic: str, homework: str
) -> Lesson:
    """Edits a lesson; moving it to another date is allowed only between open terms."""
    school_class = lesson.assignment.class_subject.school_class
    _check_open(school_class=school_class, on=lesson.date)
    if on != lesson.date:
        _check_open(school_class=school_class, on=on)
    old = _lesson_state(lesson)
    lesson.date, lesson.work_type, lesson.topic, lesson.homework = on, work_type, topic, homework
    lesson.save(update_fields=["date", "work_type", "topic", "homework"])
    _history(
        actor=user,
        entity="lesson",
        entity_id=lesson.pk,
        action="update",
        lesson=lesson,
        old=old,
        new=_lesson_state(lesson),
    ).save()
    return lesson


@transaction.atomic
def lesson_delete(*, user, lesson: Lesson, reason: str = "") -> None:
    """Removes a lesson with its marks and attendance; each removed entry goes into the history."""
    _check_open(school_class=lesson.assignment.class_subject.school_class, on=lesson.date)
    rows = [
        _history(
            actor=user,
            entity="mark",
            entity_id=m.pk,
            action="delete",
            lesson=lesson,
            student=m.student,
            old=_mark_state(m),
            reason=reason,
        )
        for m in lesson.marks.select_related("student")
    ]
    rows += [
        _history(
            actor=user,
            entity="attendance",
            entity_id=a.pk,
            action="delete",
            lesson=lesson,
            student=a.student,
            old={"kind": a.kind},
            reason=reason,
        )
        for a in lesson.attendance.select_related("student")
    ]
    rows.append(
        _history(
            actor=user,
            entity="lesson",
            entity_id=lesson.pk,
            action="delete",
            lesson=lesson,
            old=_lesson_state(lesson),
            reason=reason,
        )
    )
    History.objects.bulk_create(rows)
    lesson.marks.all().delete()
    lesson.attendance.all().delete()
    lesson.delete()


# Marks and attendance -------------------------------------------------------------------------------


def _lesson_context(lesson: Lesson) -> tuple[ClassSubject, SchoolClass]:
    class_subject = lesson.assignment.class_subject
    return class_subject, class_subject.school_class


@transaction.atomic
def column_fill(*, user, lesson: Lesson, raw: str, students: list[Student] | None = None) -> list[Mark]:
    """Sets the same mark for every listed student who has no mark at this lesson yet (bulk, with history).

    Without `students`, the column is the journal's members on the lesson's date (the class, or the
    assignment's subgroup).

    Every check (term open, each student in the journal on that date, cells already taken) is one query
    over the listed students; then one insert of the marks and one of their history rows.
    """
    class_subject, school_class = _lesson_context(lesson)
    parsed = parse_mark(raw, scale=class_subject.scale, allow_mark_1=calendar.policy().allow_mark_1)
    if students is None:
        students = _journal_members(lesson=lesson, school_class=school_class)
    term = calendar.term_containing(
        year_id=school_class.academic_year_id, grade=school_class.grade, on=lesson.date
    )
    if term is None:
        raise DomainError(_("The lesson's date is outside the terms of the year."), code="date_outside_terms")
    on = lesson.date
    subgroup = lesson.assignment.subgroup_id
    rows = Student.objects.filter(pk__in=[s.pk for s in students]).annotate(
        closed=Exists(TermClosure.objects.filter(term_id=term.id, school_class=school_class)),
        enrolled=Exists(
            Enrolment.objects.filter(
                student=OuterRef("pk"), school_class=school_class, start_date__lte=on
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        ),
        in_group=Exists(
            Subgroup.students.through.objects.filter(subgroup_id=subgroup, student_id=OuterRef("pk"))
        )
        if subgroup
        else Value(True),
        taken=Exists(Mark.objects.filter(lesson=lesson, student=OuterRef("pk"))),
    )
    state = {
        pk: (closed, enrolled and in_group, taken)
        for pk, closed, enrolled, in_group, taken in rows.values_list(
            "pk", "closed", "enrolled", "in_group", "taken"
        )
    }
    check_year_open(year_id=school_class.academic_year_id)
    if any(closed for closed, _in, _taken in state.values()):
        raise _term_closed(term=term, school_class=school_class)
    outside = [s.short_name for s in students if not state.get(s.pk, (False, False, False))[1]]
    if outside:
        raise DomainError(
            _("Not in this journal on %(date)s: %(names)s.")
            % {"date": on.strftime("%d.%m.%Y"), "names": ", ".join(outside)},
            code="student_not_in_journal",
        )
    marks = Mark.objects.bulk_create(
        Mark(lesson=lesson, student=s, value=parsed.value, passed=parsed.passed, updated_by=user)
        for s in students
        if not state[s.pk][2]
    )
    new = {"value": parsed.value, "passed": parsed.passed, "comment": ""}
    History.objects.bulk_create(
        History(
            actor=user,
            entity="mark",
            entity_id=m.pk,
            action="create",
            assignment_id=lesson.assignment_id,
            class_subject_id=class_subject.pk,
            student_id=m.student_id,
            lesson_date=on,
            new=new,
        )
        for m in marks
    )
    return marks


# Term, annual and final marks ------------------------------------------------------------------------


def _term_mark_state(tm: TermMark | None) -> dict | None:
    if tm is None:
        return None
    return {"value": tm.value, "passed": tm.passed, "not_attested": tm.not_attested, "reason": tm.reason}


def _parse_term_result(raw: str, *, scale: str) -> dict:
    if raw.strip().lower() in {NOT_ATTESTED, "на", "n/a"}:
        return {"value": None, "passed": None, "not_attested": True}
    parsed = parse_mark(raw, scale=scale, allow_mark_1=grading_policy().allow_mark_1)
    return {"value": parsed.value, "passed": parsed.passed, "not_attested": False}


def _result_text(state: dict) -> str:
    if state["not_attested"]:
        return NOT_ATTESTED
    return _display(state)


@transaction.atomic
def term_mark_set(
    *,
    user,
    class_subject: ClassSubject,
    student: Student,
    kind: str = TermMark.Kind.TERM,
    term: Term | None = None,
    raw: str,
    suggested: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> TermMark:
    """Sets a term, annual or final mark. Differing from the rules' suggestion needs a reason, recorded."""
    if kind not in TermMark.Kind.values:
        raise DomainError(_("Unknown kind of mark."), code="invalid_kind")
    if (kind == TermMark.Kind.TERM) != (term is not None):
        raise DomainError(
            _("A term mark needs its term; annual and final marks have none."), code="term_mismatch"
        )
    if kind == TermMark.Kind.FINAL and class_subject.school_class.grade not in (9, 11):
        raise DomainError(_("Final marks are set only in grades 9 and 11."), code="final_grade_only")
    if class_subject.scale == AssessmentScale.NONE:
        raise DomainError(_("This subject is not assessed in this class."), code="not_assessed")
    check_year_open(year_id=class_subject.school_class.academic_year_id)
    state = _parse_term_result(raw, scale=class_subject.scale)
    result = _result_text(state)
    overridden = bool(suggested) and result != suggested
    if overridden and not reason.strip():
        raise DomainError(
            _("The mark differs from the suggested «%(suggested)s»: give the reason.")
            % {"suggested": suggested},
            code="reason_required",
        )
    if term is not None:
        _check_term_open(term=term, school_class=class_subject.school_class)
    existing = (
        TermMark.objects.select_for_update()
        .filter(class_subject=class_subject, student=student, kind=kind, term=term)
        .first()
    )
    old = _term_mark_state(existing)
    _check_version(existing, expected_version, _result_text(old) if old else "")
    fields = {
        **state,
        "suggested": suggested,
        "overridden": overridden,
        "reason": reason.strip(),
        "updated_by": user,
    }
    if existing is None:
        existing = TermMark.objects.create(
            class_subject=class_subject, student=student, kind=kind, term=term, **fields
        )
        action = "create"
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.version += 1
        existing.save()
        action = "update"
    _history(
        actor=user,
        entity="term_mark",
        entity_id=existing.pk,
        action=action,
        class_subject=class_subject,
        student=student,
        old=old,
        new=_term_mark_state(existing),
        reason=reason.strip(),
    ).save()
    return existing


def _check_term_open(*, term: Term, school_class: SchoolClass) -> None:
    if TermClosure.objects.filter(term=term, school_class=school_class).exists():
        raise _term_closed(term=term, school_class=school_class)


# Closing terms and corrections ---------------------------------------------------------------------


@transaction.atomic
def term_close(*, user, term: Term, classes: list[SchoolClass]) -> list[TermClosure]:
    """Closes the term for the classes (a class, a grade or the school). Already closed ones are skipped."""
    wrong = [c.name for c in classes if c.academic_year_id != term.academic_year_id]
    if wrong:
        raise DomainError(
            _("Classes of another year: %(names)s.") % {"names": ", ".join(wrong)}, code="other_year"
        )
    schemes = dict(
        GradeTermScheme.objects.filter(academic_year_id=term.academic_year_id).values_list("grade", "scheme")
    )
    other_scheme = [c.name for c in classes if schemes.get(c.grade) != term.scheme]
    if other_scheme:
        raise DomainError(
            _("These classes do not study by %(scheme)s: %(names)s.")
            % {"scheme": term.get_scheme_display(), "names": ", ".join(other_scheme)},
            code="other_scheme",
        )
    closed = set(
        TermClosure.objects.filter(term=term, school_class__in=classes).values_list(
            "school_class_id", flat=True
        )
    )
    return TermClosure.objects.bulk_create(
        TermClosure(term=term, school_class=c, closed_by=user) for c in classes if c.pk not in closed
    )


@transaction.atomic
def term_reopen(*, user, term: Term, school_class: SchoolClass) -> None:
    check_year_open(year_id=term.academic_year_id)
    deleted, _by_model = TermClosure.objects.filter(term=term, school_class=school_class).delete()
    if not deleted:
        raise DomainError(_("The term is not closed for this class."), code="not_closed")


@transaction.atomic
def correction_request_create(
    *,
    user,
    student: Student,
    new_value: str,
    reason: str,
    lesson: Lesson | None = None,
    class_subject: ClassSubject | None = None,
    term: Term | None = None,
) -> CorrectionRequest:
    """A teacher asks to change a mark of a closed term. Nothing changes until the deputy approves."""
    if not reason.strip():
        raise DomainError(_("Explain why the closed term must be corrected."), code="reason_required")
    if (lesson is None) == (class_subject is None):
        raise DomainError(_("Name either a lesson mark or a term mark."), code="invalid_target")
    scale = (lesson.assignment.class_subject if lesson else class_subject).scale
    if new_value.strip():
        if class_subject is not None:
            _parse_term_result(new_value, scale=scale)
        else:
            parse_mark(new_value, scale=scale, allow_mark_1=grading_policy().allow_mark_1)
    return CorrectionRequest.objects.create(
        target=CorrectionRequest.Target.MARK if lesson else CorrectionRequest.Target.TERM_MARK,
        lesson=lesson,
        class_subject=class_subject,
        term=term,
        student=student,
        new_value=new_value.strip(),
        reason=reason.strip(),
        requested_by=user,
    )


@transaction.atomic
def correction_request_decide(
    *, user, request: CorrectionRequest, approve: bool, note: str = ""
) -> CorrectionRequest:
    """The deputy's decision. Approval applies the change past the closure, with the request's reason in history."""
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != CorrectionRequest.Status.PENDING:
        raise DomainError(_("This request has already been decided."), code="already_decided")
    if not approve and not note.strip():
        raise DomainError(_("Give the reason for the rejection."), code="reason_required")
    if approve:
        target = request.lesson.assignment.class_subject if request.lesson_id else request.class_subject
        check_year_open(year_id=target.school_class.academic_year_id)
    if approve:
        _apply_correction(user=user, request=request)
    request.status = CorrectionRequest.Status.APPROVED if approve else CorrectionRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_note = user, timezone.now(), note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


def _apply_correction(*, user, request: CorrectionRequest) -> None:
    reason = str(_("correction approved: %(reason)s")) % {"reason": request.reason}
    if request.target == CorrectionRequest.Target.MARK:
        lesson = request.lesson
        mark = Mark.objects.filter(lesson=lesson, student=request.student).first()
        old = _mark_state(mark)
        if not request.new_value:
            if mark is not None:
                _history(
                    actor=user,
                    entity="mark",
                    entity_id=mark.pk,
                    action="delete",
                    lesson=lesson,
                    student=request.student,
                    old=old,
                    reason=reason,
                ).save()
                mark.delete()
            return
        parsed = parse_mark(
            request.new_value,
            scale=lesson.assignment.class_subject.scale,
            allow_mark_1=grading_policy().allow_mark_1,
        )
        mark, created = Mark.objects.update_or_create(
            lesson=lesson,
            student=request.student,
            defaults={"value": parsed.value, "passed": parsed.passed, "updated_by": user},
        )
        if not created:
            mark.version += 1
            mark.save(update_fields=["version"])
        _history(
            actor=user,
            entity="mark",
            entity_id=mark.pk,
            action="create" if created else "update",
            lesson=lesson,
            student=request.student,
            old=old,
            new=_mark_state(mark),
            reason=reason,
        ).save()
        return
    state = _parse_term_result(request.new_value, scale=request.class_subject.scale)
    tm = TermMark.objects.filter(
        class_subject=request.class_subject,
        student=request.student,
        kind=TermMark.Kind.TERM,
        term=request.term,
    ).first()
    old = _term_mark_state(tm)
    if tm is None:
        tm = TermMark.objects.create(
            class_subject=request.class_subject,
            student=request.student,
            term=request.term,
            kind=TermMark.Kind.TERM,
            updated_by=user,
            reason=reason[:500],
            **state,
        )
    else:
        for name, value in state.items():
            setattr(tm, name, value)
        tm.reason, tm.updated_by, tm.version = reason[:500], user, tm.version + 1
        tm.save()
    _history(
        actor=user,
        entity="term_mark",
        entity_id=tm.pk,
        action="update" if old else "create",
        class_subject=request.class_subject,
        student=request.student,
        old=old,
        new=_term_mark_state(tm),
        reason=reason[:500],
    ).save()


# Intermediate attestation ------------------------------------------------------------------------


def _attestation_state(a: IntermediateAttestation | None) -> dict | None:
    if a is None:
        return None
    return {
        "form": a.form,
        "date": a.date.isoformat(),
        "value": a.value,
        "passed": a.passed,
        "not_attested": a.not_attested,
    }


@transaction.atomic
def attestation_set(
    *, user, class_subject: ClassSubject, student: Student, form: str, on: date, raw: str
) -> IntermediateAttestation:
    """Records the result of the annual intermediate attestation in a subject (with history)."""
    if form not in IntermediateAttestation.Form.values:
        raise DomainError(_("Unknown form of attestation."), code="invalid_form")
    year = class_subject.school_class.academic_year
    if not year.start_date <= on <= year.end_date:
        raise DomainError(
            _("The attestation date must fall within the academic year."), code="date_outside_year"
        )
    if not Enrolment.objects.filter(student=student, school_class=class_subject.school_class).exists():
        raise DomainError(_("The student is not in this class."), code="student_not_in_class")
    state = _parse_term_result(raw, scale=class_subject.scale)
    existing = (
        IntermediateAttestation.objects.select_for_update()
        .filter(class_subject=class_subject, student=student)
        .first()
    )
    old = _attestation_state(existing)
    if existing is None:
        existing = IntermediateAttestation(class_subject=class_subject, student=student)
    existing.form, existing.date, existing.updated_by = form, on, user
    existing.value, existing.passed, existing.not_attested = (
        state["value"],
        state["passed"],
        state["not_attested"],
    )
    if old == _attestation_state(existing):
        return existing
    existing.save()
    _history(
        actor=user,
        entity="attestation",
        entity_id=existing.pk,
        action="update" if old else "create",
        class_subject=class_subject,
        student=student,
        old=old,
        new=_attestation_state(existing),
    ).save()
    return existing
