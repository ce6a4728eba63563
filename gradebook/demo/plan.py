"""The plan of the demo school: the whole school in memory, drawn from one random generator.

The planning itself is in `staffing` (classes, teachers and their load) and `families` (students,
parents, demo people, transfers and leavers); `school.plan_school` runs it in order.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model

from accounts.models import Guardianship, Role, Student
from gradebook.demo.logins import DEMO_LOGINS
from gradebook.demo.names import (
    FEMALE_NAMES,
    MALE_NAMES,
    SURNAMES,
    feminine_surname,
    patronymic,
    transliterate,
)
from gradebook.models import SchoolClass

User = get_user_model()


@dataclass(eq=False)
class Person:
    surname: str  # masculine form; last_name gives the person's own
    first_name: str
    middle_name: str
    gender: str  # a Student.Gender value
    username: str = ""
    user: User | None = None  # once written

    @property
    def last_name(self) -> str:
        return self.surname if self.gender == Student.Gender.MALE else feminine_surname(self.surname)


@dataclass(eq=False)
class ClassPlan:
    grade: int
    letter: str
    size: int
    class_teacher: "TeacherPlan | None" = None
    obj: SchoolClass | None = None


@dataclass(eq=False)
class Bundle:
    """What one teacher teaches in one class: the subjects of a specialty, or one English subgroup."""

    specialty: str
    school_class: ClassPlan
    subjects: list[str]
    hours: int
    subgroup: str = ""


@dataclass(eq=False)
class TeacherPlan:
    person: Person
    specialty: str
    bundles: list[Bundle]
    roles: tuple[Role, ...] = (Role.TEACHER,)
    leads: ClassPlan | None = None


@dataclass(eq=False)
class Child:
    person: Person
    birth_date: date
    school_class: ClassPlan  # enrolled on 1 September
    has_login: bool = False
    transfer: tuple[ClassPlan, date] | None = None
    leaves_on: date | None = None
    student: Student | None = None

    @property
    def current_class(self) -> ClassPlan:
        return self.transfer[0] if self.transfer else self.school_class


@dataclass(eq=False)
class Family:
    number: int
    surname: str
    father_name: str
    children: list[Child]
    mother: Person | None
    father: Person | None
    demo: bool = False  # holds a demo login: nobody in it moves or leaves

    @property
    def guardians(self) -> list[tuple[Person, str]]:
        pairs = ((self.mother, Guardianship.Relation.MOTHER), (self.father, Guardianship.Relation.FATHER))
        return [(person, relation) for person, relation in pairs if person is not None]


@dataclass
class SchoolPlan:
    start_year: int
    classes: list[ClassPlan]
    teachers: list[TeacherPlan]  # the deputy first
    director: Person
    admin: Person
    families: list[Family] = field(default_factory=list)

    def children(self) -> list[Child]:
        return [child for family in self.families for child in family.children]


class Namer:
    """Draws names from the plan's generator and hands out unique logins."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.logins = {username for username, _role in DEMO_LOGINS}

    def person(self, gender: str, *, surname="", first_name="", father_name="", avoid=()) -> Person:
        names = MALE_NAMES if gender == Student.Gender.MALE else FEMALE_NAMES
        while not first_name or first_name in avoid:
            first_name = self.rng.choice(names)
        surname = surname or self.rng.choice(SURNAMES)
        father_name = father_name or self.rng.choice(MALE_NAMES)
        return Person(surname, first_name, patronymic(father_name, gender), gender)

    def adult(self, male_share: float) -> Person:
        return self.person(Student.Gender.MALE if self.rng.random() < male_share else Student.Gender.FEMALE)

    def login(self, person: Person, prefix: str, number: int) -> str:
        """`p.ivanova17`; a clash (two parents called Ким) gets a suffix."""
        base = login = f"{prefix}.{transliterate(person.last_name)}{number}"
        suffix = 1
        while login in self.logins:
            suffix += 1
            login = f"{base}.{suffix}"
        self.logins.add(login)
        return login
