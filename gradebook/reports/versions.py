"""Data versions: cheap fingerprints of everything a report reads, so that a finished file is reused only
while nothing it shows has changed (part of a report job's idempotency key)."""

import hashlib
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q

from gradebook.models import (
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    School,
    Subgroup,
    TeachingAssignment,
    Term,
    TermMark,
)
from gradebook.reports.ledger import YEAR, LedgerScope, ledger_classes

if TYPE_CHECKING:
    from gradebook.reports.subject_report import SubjectScope


def ledger_data_version(checked: LedgerScope) -> str:
    """A cheap fingerprint of everything the ledger reads, for reusing a finished file.

    - the period's term marks: their count and latest change (TermMark.updated_at moves on every write,
      the count on every delete), over the scope's classes;
    - the scope's enrolments with their dates and the students' names, the curriculum lines with their
      scales and subject names, the classes with their class teachers, the year's terms and schemes and
      the school's name: small tables, hashed row by row.
    Seven queries; the term marks are only aggregated, never read.
    """
    classes = ledger_classes(checked)
    marks = TermMark.objects.filter(class_subject__school_class__in=classes.values("pk"))
    if checked.period == YEAR:
        marks = marks.filter(kind=TermMark.Kind.ANNUAL)
    else:
        marks = marks.filter(kind=TermMark.Kind.TERM, term_id=checked.period)
    parts = [
        marks.aggregate(n=Count("id"), at=Max("updated_at")),
        classes.order_by("pk").values_list(
            "pk", "grade", "letter", "class_teacher__last_name", "class_teacher__first_name"
        ),
        Enrolment.objects.filter(school_class__in=classes.values("pk"))
        .order_by("pk")
        .values_list(
            "pk",
            "school_class_id",
            "start_date",
            "end_date",
            "student__last_name",
            "student__first_name",
            "student__middle_name",
        ),
        ClassSubject.objects.filter(school_class__in=classes.values("pk"))
        .order_by("pk")
        .values_list(
            "pk", "school_class_id", "scale", "subject__name", "subject__short_name", "subject__order"
        ),
        Term.objects.filter(academic_year_id=checked.year_id)
        .order_by("pk")
        .values_list("pk", "scheme", "start_date", "end_date"),
        GradeTermScheme.objects.filter(academic_year_id=checked.year_id)
        .order_by("grade")
        .values_list("grade", "scheme"),
        School.objects.values_list("name", flat=True),
    ]
    return _digest(parts)


def subject_report_version(checked: "SubjectScope") -> str:
    """A cheap fingerprint of everything the report reads: the marks of the period and of the comparison term
    (their count and latest change) over the scope's classes, and row by row the small tables — the classes,
    their enrolments with the students' names, the curriculum lines with the subjects, the teaching
    assignments with the teachers and subgroups, the subgroups' members, the year's terms and schemes, the
    school's name, the filters' names."""
    from gradebook.reports.subject_report import comparison_terms

    place = checked.place
    classes = ledger_classes(place)
    class_ids = classes.values("pk")
    grades = set(classes.values_list("grade", flat=True))
    marks = TermMark.objects.filter(class_subject__school_class__in=class_ids)
    if place.period == YEAR:
        period = Q(kind=TermMark.Kind.ANNUAL, term__isnull=True)
    else:
        period = Q(kind=TermMark.Kind.TERM, term_id=place.period)
    before = {t.pk for t in comparison_terms(place, grades).values()}
    marks = marks.filter(period | Q(kind=TermMark.Kind.TERM, term_id__in=before))
    parts = [
        marks.aggregate(n=Count("id"), at=Max("updated_at")),
        classes.order_by("pk").values_list("pk", "grade", "letter"),
        Enrolment.objects.filter(school_class__in=class_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "school_class_id",
            "start_date",
            "end_date",
            "student__last_name",
            "student__first_name",
            "student__middle_name",
        ),
        ClassSubject.objects.filter(school_class__in=class_ids)
        .order_by("pk")
        .values_list("pk", "school_class_id", "scale", "subject_id", "subject__name", "subject__order"),
        TeachingAssignment.objects.filter(class_subject__school_class__in=class_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "class_subject_id",
            "subgroup_id",
            "subgroup__name",
            "teacher_id",
            "teacher__last_name",
            "teacher__first_name",
            "teacher__middle_name",
        ),
        Subgroup.students.through.objects.filter(subgroup__school_class__in=class_ids)
        .order_by("pk")
        .values_list("pk", "subgroup_id", "student_id"),
        Term.objects.filter(academic_year_id=place.year_id)
        .order_by("pk")
        .values_list("pk", "scheme", "number", "start_date", "end_date"),
        GradeTermScheme.objects.filter(academic_year_id=place.year_id)
        .order_by("grade")
        .values_list("grade", "scheme"),
        School.objects.values_list("name", flat=True),
        [(checked.subject_name, checked.teacher_name)],
    ]
    return _digest(parts)


def _digest(parts: list) -> str:
    digest = hashlib.sha256()
    for part in parts:
        rows = [part] if isinstance(part, dict) else part
        for row in rows:
            digest.update(repr(row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()
