"""Annual, final and attestation marks of one journal: the term marks side by side with the rules' suggestion."""

from dataclasses import dataclass

from django.db.models import Q

from gradebook import calendar
from gradebook.models import AssessmentScale, Enrolment, IntermediateAttestation, TeachingAssignment, TermMark
from gradebook.rules import Suggestion, suggest_annual_mark


@dataclass(frozen=True)
class YearRow:
    student_id: int
    name: str
    terms: list[str]  # the term marks in term order ("" where none yet)
    suggestion: Suggestion
    annual: str
    annual_reason: str
    final: str
    attestation: IntermediateAttestation | None


@dataclass(frozen=True)
class YearMarks:
    assignment: TeachingAssignment
    terms: list[calendar.TermInfo]
    rows: list[YearRow]
    has_final: bool
    scale: str


def year_marks(*, assignment: TeachingAssignment) -> YearMarks:
    class_subject = assignment.class_subject
    school_class = class_subject.school_class
    terms = calendar.terms_of_grade(year_id=school_class.academic_year_id, grade=school_class.grade)
    members = Enrolment.objects.filter(school_class=school_class).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=school_class.academic_year.end_date)
    )
    if assignment.subgroup_id:
        members = members.filter(student__subgroups=assignment.subgroup_id)
    students = list(
        members.order_by("student__last_name", "student__first_name").values_list(
            "student_id", "student__last_name", "student__first_name"
        )
    )
    marks: dict[tuple[int, str, int | None], TermMark] = {
        (tm.student_id, tm.kind, tm.term_id): tm
        for tm in TermMark.objects.filter(class_subject=class_subject)
    }
    attestations = {
        a.student_id: a for a in IntermediateAttestation.objects.filter(class_subject=class_subject)
    }
    policy = calendar.policy()
    rows = []
    for student_id, last, first in students:
        term_results = [
            marks[(student_id, "term", t.id)].display if (student_id, "term", t.id) in marks else ""
            for t in terms
        ]
        annual = marks.get((student_id, "annual", None))
        final = marks.get((student_id, "final", None))
        rows.append(
            YearRow(
                student_id=student_id,
                name=f"{last} {first}",
                terms=term_results,
                suggestion=suggest_annual_mark(term_results, thresholds=policy.thresholds),
                annual=annual.display if annual else "",
                annual_reason=annual.reason if annual else "",
                final=final.display if final else "",
                attestation=attestations.get(student_id),
            )
        )
    return YearMarks(
        assignment=assignment,
        terms=terms,
        rows=rows,
        has_final=school_class.grade in (9, 11),
        scale=class_subject.scale if class_subject.scale != AssessmentScale.NONE else "",
    )
