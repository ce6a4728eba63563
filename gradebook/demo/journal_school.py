"""What the demo journal is made of, read once from the demo school: the current year's terms, classes,
curriculum lines with their teachers, enrolments, work types and the grading policy."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Role
from gradebook.models import (
    AcademicYear,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    GradingPolicy,
    SchoolClass,
    Subgroup,
    TeachingAssignment,
    Term,
    WorkType,
)
from gradebook.rules import Thresholds
from gradebook.school_rules import default_rules_ensure

User = get_user_model()

WORK_ANSWER, WORK_INDEPENDENT = "Ответ на уроке", "Самостоятельная работа"
WORK_TEST, WORK_FINAL, WORK_CHECK = "Контрольная работа", "Итоговая работа", "Проверочная работа"
TERM_WORDS = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие"}


@dataclass(frozen=True)
class JournalTerm:
    id: int
    scheme: str
    number: int
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.number} {TERM_WORDS[self.scheme]}"

    @property
    def first_quarter(self) -> bool:
        return self.scheme == "quarter" and self.number == 1


@dataclass(eq=False)
class JournalLine:
    """A curriculum line with its assignments: (assignment id, members of its subgroup or None, teacher)."""

    id: int
    name: str
    scale: str
    hours: Decimal
    assignments: list[tuple[int, frozenset | None, int]] = field(default_factory=list)

    def teacher_of(self, student: int) -> int:
        mine = (teacher for _pk, group, teacher in self.assignments if group is None or student in group)
        return next(mine, self.assignments[0][2])


@dataclass(eq=False)
class JournalClass:
    obj: SchoolClass
    terms: list[JournalTerm]
    lines: list[JournalLine] = field(default_factory=list)
    members: list[tuple[int, date, date]] = field(default_factory=list)  # (student, from, until)

    def members_on(self, day: date) -> list[int]:
        return [student for student, start, end in self.members if start <= day <= end]


@dataclass
class JournalSchool:
    year: AcademicYear
    classes: list[JournalClass]
    work: dict[str, tuple[int, Decimal]]  # work type name → (id, weight)
    thresholds: Thresholds
    min_marks: int
    deputy: User


def journal_school_load() -> JournalSchool:
    year = AcademicYear.objects.filter(is_current=True).first()
    deputy = User.objects.filter(staff_roles__role=Role.DEPUTY).order_by("pk").first()
    if year is None or deputy is None:
        raise DomainError(_("Create the demo school first."), code="no_school")
    schemes = dict(GradeTermScheme.objects.filter(academic_year=year).values_list("grade", "scheme"))
    terms = defaultdict(list)
    for t in Term.objects.filter(academic_year=year).order_by("scheme", "number"):
        terms[t.scheme].append(JournalTerm(t.pk, t.scheme, t.number, t.start_date, t.end_date))
    classes = {
        c.pk: JournalClass(c, terms[schemes.get(c.grade)])
        for c in SchoolClass.objects.filter(academic_year=year).order_by("pk")
    }
    lines = {}
    for cs in ClassSubject.objects.filter(school_class__in=classes).select_related("subject").order_by("pk"):
        lines[cs.pk] = JournalLine(cs.pk, cs.subject.name, cs.scale, cs.hours_per_week)
        classes[cs.school_class_id].lines.append(lines[cs.pk])
    groups = defaultdict(set)
    through = Subgroup.students.through.objects.filter(subgroup__school_class__in=classes)
    for subgroup, student in through.values_list("subgroup_id", "student_id"):
        groups[subgroup].add(student)
    load = TeachingAssignment.objects.filter(class_subject__in=lines).order_by("pk")
    for pk, line, subgroup, teacher in load.values_list("pk", "class_subject", "subgroup", "teacher"):
        lines[line].assignments.append((pk, frozenset(groups[subgroup]) if subgroup else None, teacher))
    enrolments = Enrolment.objects.filter(school_class__in=classes).order_by("pk")
    for student, school_class, start, end in enrolments.values_list(
        "student", "school_class", "start_date", "end_date"
    ):
        classes[school_class].members.append((student, start, end or date.max))
    default_rules_ensure()
    policy = GradingPolicy.objects.get(id=1)
    return JournalSchool(
        year,
        list(classes.values()),
        {w.name: (w.pk, w.weight) for w in WorkType.objects.all()},
        Thresholds(policy.threshold_3, policy.threshold_4, policy.threshold_5),
        policy.min_marks,
        deputy,
    )
