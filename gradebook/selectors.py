"""Reads shaped for the portal pages. Each makes a fixed number of queries, whatever the school's size."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Guardianship, Role, Student, UserRole
from gradebook.models import (
    AcademicYear,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    SchoolClass,
    Subgroup,
    TeachingAssignment,
    Term,
)


def current_year() -> AcademicYear | None:
    return AcademicYear.objects.filter(is_current=True).first()


def active_enrolment_q(prefix: str = "", on=None) -> Q:
    """Enrolments in force on a date (today by default): started, and not yet ended."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


def terms_for_grade(*, year: AcademicYear, grade: int) -> QuerySet[Term]:
    scheme = GradeTermScheme.objects.filter(academic_year=year, grade=grade).values("scheme")[:1]
    return Term.objects.filter(academic_year=year, scheme__in=scheme).order_by("number")


@dataclass(frozen=True)
class AssignmentRow:
    assignment_id: int
    class_id: int
    class_name: str
    grade: int
    subject: str
    subgroup: str
    scale: str
    students: int
    class_subject_id: int = 0


def teacher_assignments(*, teacher, year: AcademicYear) -> list[AssignmentRow]:
    """The teacher's load this year, one row per journal, with the number of students in it."""
    assignments = (
        TeachingAssignment.objects.filter(teacher=teacher, class_subject__school_class__academic_year=year)
        .select_related("class_subject__school_class", "class_subject__subject", "subgroup")
        .order_by(
            "class_subject__school_class__grade",
            "class_subject__school_class__letter",
            "class_subject__subject__order",
        )
    )
    class_sizes = dict(
        Enrolment.objects.filter(
            active_enrolment_q(), school_class__in=assignments.values("class_subject__school_class")
        )
        .values_list("school_class")
        .annotate(n=Count("id"))
    )
    group_sizes = dict(
        Subgroup.objects.filter(pk__in=assignments.values("subgroup"))
        .annotate(n=Count("students"))
        .values_list("pk", "n")
    )
    rows = []
    for a in assignments:
        school_class = a.class_subject.school_class
        rows.append(
            AssignmentRow(
                assignment_id=a.pk,
                class_id=school_class.pk,
                class_name=school_class.name,
                grade=school_class.grade,
                subject=a.class_subject.subject.name,
                subgroup=a.subgroup.name if a.subgroup_id else "",
                scale=a.class_subject.get_scale_display(),
                students=group_sizes.get(a.subgroup_id, 0)
                if a.subgroup_id
                else class_sizes.get(school_class.pk, 0),
                class_subject_id=a.class_subject_id,
            )
        )
    return rows


@dataclass(frozen=True)
class RosterRow:
    student: Student
    start_date: object
    end_date: object
    guardians: list = field(default_factory=list)


@dataclass(frozen=True)
class ClassPage:
    school_class: SchoolClass
    current: list[RosterRow]
    left: list[RosterRow]
    curriculum: list[tuple[ClassSubject, list[TeachingAssignment]]]


def class_page(*, school_class: SchoolClass) -> ClassPage:
    enrolments = (
        Enrolment.objects.filter(school_class=school_class)
        .select_related("student")
        .prefetch_related(
            Prefetch("student__guardianships", queryset=Guardianship.objects.select_related("guardian"))
        )
        .order_by("student__last_name", "student__first_name")
    )
    today = timezone.localdate()
    current, left = [], []
    for e in enrolments:
        row = RosterRow(
            e.student, e.start_date, e.end_date, [g.guardian for g in e.student.guardianships.all()]
        )
        (left if e.end_date is not None and e.end_date < today else current).append(row)
    subjects = (
        ClassSubject.objects.filter(school_class=school_class)
        .select_related("subject")
        .prefetch_related(
            Prefetch("assignments", queryset=TeachingAssignment.objects.select_related("teacher", "subgroup"))
        )
    )
    return ClassPage(school_class, current, left, [(cs, list(cs.assignments.all())) for cs in subjects])


@dataclass(frozen=True)
class ChildCard:
    student: Student
    school_class: SchoolClass | None
    class_teacher: object


def children_cards(*, children: QuerySet[Student]) -> list[ChildCard]:
    current = Enrolment.objects.filter(active_enrolment_q()).select_related(
        "school_class__class_teacher", "school_class__academic_year"
    )
    cards = []
    for child in children.prefetch_related(
        Prefetch("enrolments", queryset=current, to_attr="current_enrolments")
    ):
        enrolment = child.current_enrolments[0] if child.current_enrolments else None
        school_class = enrolment.school_class if enrolment else None
        cards.append(ChildCard(child, school_class, school_class.class_teacher if school_class else None))
    return cards


@dataclass(frozen=True)
class StudentRecord:
    student: Student
    enrolments: list[Enrolment]
    current_class: SchoolClass | None
    guardians: list[Guardianship]
    curriculum: list[tuple[ClassSubject, list[TeachingAssignment]]]


def student_record(*, student: Student) -> StudentRecord:
    enrolments = list(
        Enrolment.objects.filter(student=student)
        .select_related("school_class__academic_year", "school_class__class_teacher")
        .order_by("-start_date")
    )
    today = timezone.localdate()
    current = next(
        (
            e.school_class
            for e in enrolments
            if e.start_date <= today and (e.end_date is None or e.end_date >= today)
        ),
        None,
    )
    curriculum = []
    if current is not None:
        subjects = (
            ClassSubject.objects.filter(school_class=current)
            .select_related("subject")
            .prefetch_related(
                Prefetch("assignments", queryset=TeachingAssignment.objects.select_related("teacher"))
            )
        )
        curriculum = [(cs, list(cs.assignments.all())) for cs in subjects]
    guardians = list(student.guardianships.select_related("guardian"))
    return StudentRecord(student, enrolments, current, guardians, curriculum)


@dataclass(frozen=True)
class GradeRow:
    grade: int
    classes: list[tuple[SchoolClass, int]]
    students: int


@dataclass(frozen=True)
class SchoolOverview:
    year: AcademicYear | None
    grades: list[GradeRow]
    students: int
    classes: int
    staff: dict[str, int]
    terms: list[Term]
    gifted: int


def school_overview(*, year: AcademicYear | None) -> SchoolOverview:
    if year is None:
        return SchoolOverview(None, [], 0, 0, {}, [], 0)
    classes = (
        SchoolClass.objects.filter(academic_year=year)
        .select_related("class_teacher")
        .annotate(n=Count("enrolments", filter=active_enrolment_q("enrolments__")))
        .order_by("grade", "letter")
    )
    by_grade = defaultdict(list)
    for c in classes:
        by_grade[c.grade].append((c, c.n))
    grades = [GradeRow(g, rows, sum(n for _c, n in rows)) for g, rows in sorted(by_grade.items())]
    staff = dict(UserRole.objects.values_list("role").annotate(n=Count("id")))
    gifted = (
        Student.objects.filter(
            gifted_registry=True,
            enrolments__in=Enrolment.objects.filter(active_enrolment_q(), school_class__academic_year=year),
        )
        .distinct()
        .count()
    )
    return SchoolOverview(
        year=year,
        grades=grades,
        students=sum(g.students for g in grades),
        classes=sum(len(g.classes) for g in grades),
        staff={Role(k).label: v for k, v in staff.items()},
        terms=list(Term.objects.filter(academic_year=year).order_by("scheme", "number")),
        gifted=gifted,
    )
