"""What is missing before a term can be closed, for a set of classes. Five aggregate queries in all."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from gradebook import calendar
from gradebook.models import (
    AssessmentScale,
    Attendance,
    ClassSubject,
    Enrolment,
    Mark,
    SchoolClass,
    TeachingAssignment,
    Term,
    TermClosure,
    TermMark,
)
from gradebook.rules import NOT_ATTESTED


@dataclass(frozen=True)
class MissingTermMark:
    school_class: str
    subject: str
    student: str
    marks: int
    lessons: int
    absences: int
    suggestion: str  # what the rules would say: "н/а" for too few marks or most lessons missed


@dataclass
class CloseCheck:
    term: Term
    classes: list[SchoolClass]
    closed: set[int]
    missing: list[MissingTermMark] = field(default_factory=list)
    teachers_not_finished: dict[str, list[str]] = field(default_factory=dict)  # teacher → "5А Математика"

    @property
    def ready(self) -> bool:
        return not self.missing


def term_close_check(*, term: Term, classes: list[SchoolClass]) -> CloseCheck:
    policy = calendar.policy()
    today_members = defaultdict(list)  # class id → [(student id, name)]
    for class_id, student_id, last, first in (
        Enrolment.objects.filter(school_class__in=classes, start_date__lte=term.end_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=term.end_date))
        .order_by("student__last_name", "student__first_name")
        .values_list("school_class_id", "student_id", "student__last_name", "student__first_name")
    ):
        today_members[class_id].append((student_id, f"{last} {first}"))
    subjects = list(
        ClassSubject.objects.filter(school_class__in=classes)
        .exclude(scale=AssessmentScale.NONE)
        .select_related("school_class", "subject")
        .order_by("school_class__grade", "school_class__letter", "subject__order")
    )
    set_marks = set(
        TermMark.objects.filter(class_subject__in=subjects, term=term, kind=TermMark.Kind.TERM).values_list(
            "class_subject_id", "student_id"
        )
    )
    in_term = Q(lesson__date__gte=term.start_date, lesson__date__lte=term.end_date)
    mark_counts = _counts(Mark.objects.filter(in_term, lesson__assignment__class_subject__in=subjects))
    absences = _counts(
        Attendance.objects.filter(in_term, lesson__assignment__class_subject__in=subjects).exclude(
            kind=Attendance.Kind.LATE
        )
    )
    lessons = dict(
        TeachingAssignment.objects.filter(class_subject__in=subjects)
        .values_list("class_subject_id")
        .annotate(
            n=Count("lessons", filter=Q(lessons__date__gte=term.start_date, lessons__date__lte=term.end_date))
        )
    )
    check = CloseCheck(
        term=term,
        classes=classes,
        closed=set(
            TermClosure.objects.filter(term=term, school_class__in=classes).values_list(
                "school_class_id", flat=True
            )
        ),
    )
    unfinished = defaultdict(set)
    for cs in subjects:
        for student_id, name in today_members[cs.school_class_id]:
            if (cs.pk, student_id) in set_marks:
                continue
            n_marks = mark_counts.get((cs.pk, student_id), 0)
            n_absent = absences.get((cs.pk, student_id), 0)
            n_lessons = lessons.get(cs.pk, 0)
            missed_most = n_lessons and n_absent * 100 >= policy.absence_share_not_attested * n_lessons
            suggestion = NOT_ATTESTED if n_marks < policy.min_marks or missed_most else ""
            check.missing.append(
                MissingTermMark(
                    cs.school_class.name, cs.subject.name, name, n_marks, n_lessons, n_absent, suggestion
                )
            )
            unfinished[cs.pk].add(f"{cs.school_class.name} {cs.subject.name}")
    if unfinished:
        for teacher, class_subject_id in TeachingAssignment.objects.filter(
            class_subject_id__in=unfinished
        ).values_list("teacher__last_name", "class_subject_id"):
            check.teachers_not_finished.setdefault(teacher, []).extend(sorted(unfinished[class_subject_id]))
    return check


def _counts(queryset) -> dict[tuple[int, int], int]:
    return {
        (cs, student): n
        for cs, student, n in queryset.values_list(
            "lesson__assignment__class_subject_id", "student_id"
        ).annotate(n=Count("id"))
    }
