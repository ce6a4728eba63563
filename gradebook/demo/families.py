"""Planning the demo school's families: children in every seat, their parents, the demo people,
transfers and leavers, and everyone's login."""

import random
from datetime import date, timedelta

from accounts.models import Student
from gradebook.demo.names import MALE_NAMES, SURNAMES, patronymic
from gradebook.demo.plan import Child, ClassPlan, Family, Namer, Person, SchoolPlan, TeacherPlan

SIBLING_SHARE, THIRD_CHILD_SHARE, LOGIN_SHARE = 0.15, 0.2, 0.3
TRANSFER_SHARE, LEAVER_SHARE = 0.01, 0.004


def plan_families(namer: Namer, classes: list[ClassPlan], start_year: int) -> list[Family]:
    """Fills every seat with a child; about SIBLING_SHARE of the families have 2–3 children in different grades.

    The first family always has two children in different grades and a mother: the demo parent.
    """
    rng = namer.rng
    seats = [school_class for school_class in classes for _seat in range(school_class.size)]
    rng.shuffle(seats)
    families: list[Family] = []
    while seats:
        members, first = [seats.pop()], not families
        if first or rng.random() < SIBLING_SHARE:
            for _extra in range(1 if first or rng.random() >= THIRD_CHILD_SHARE else 2):
                index = _seat_in_other_grade(seats, {seat.grade for seat in members})
                if index is not None:
                    members.append(seats.pop(index))
        families.append(_family(namer, members, len(families) + 1, start_year, with_mother=first))
    return families


def _seat_in_other_grade(seats: list[ClassPlan], grades: set[int], scan: int = 200) -> int | None:
    for index in range(len(seats) - 1, max(-1, len(seats) - 1 - scan), -1):
        if seats[index].grade not in grades:
            return index
    return None


def _family(
    namer: Namer, seats: list[ClassPlan], number: int, start_year: int, *, with_mother: bool
) -> Family:
    """Mother and father (55%), mother only (35%) or father only (10%); the children share surname and patronymic."""
    rng = namer.rng
    surname, father_name, draw = rng.choice(SURNAMES), rng.choice(MALE_NAMES), rng.random()
    mother = namer.person(Student.Gender.FEMALE, surname=surname) if with_mother or draw < 0.9 else None
    father = (
        namer.person(Student.Gender.MALE, surname=surname, first_name=father_name) if draw >= 0.35 else None
    )
    children: list[Child] = []
    for seat in seats:
        gender = rng.choice(Student.Gender.values)
        taken = [child.person.first_name for child in children]
        person = namer.person(gender, surname=surname, father_name=father_name, avoid=taken)
        has_login = seat.grade >= 5 and rng.random() < LOGIN_SHARE
        children.append(Child(person, _birth_date(rng, seat.grade, start_year), seat, has_login))
    return Family(number, surname, father_name, children, mother, father)


def _birth_date(rng: random.Random, grade: int, start_year: int) -> date:
    """Born in the year start_year - 6 - grade, give or take a few months."""
    return date(start_year - 6 - grade, 1, 1) + timedelta(days=rng.randint(-75, 410))


def pick_demo_people(plan: SchoolPlan) -> None:
    """Names the demo parent, the multirole teacher-parent and the demo student; marks their families."""
    parent_family = plan.families[0]
    parent_family.mother.username, parent_family.demo = "parent", True
    teacher = _multirole_teacher(plan)
    family = _family_of_teacher(plan, teacher)
    _adopt(family, teacher.person)
    teacher.person.username, family.demo = "multirole", True
    family, child = next(
        (f, c) for f in plan.families if not f.demo for c in f.children if c.school_class.grade == 7
    )
    child.has_login, child.person.username, family.demo = True, "student", True


def _multirole_teacher(plan: SchoolPlan) -> TeacherPlan:
    leaders = [c.class_teacher for c in plan.classes if c.grade >= 6 and not c.class_teacher.person.username]
    return next((t for t in leaders if t.person.gender == Student.Gender.FEMALE), leaders[0])


def _family_of_teacher(plan: SchoolPlan, teacher: TeacherPlan) -> Family:
    """A one-child family whose child is in another class, a young one if possible; the teacher joins it."""
    female = teacher.person.gender == Student.Gender.FEMALE
    candidates = [
        f
        for f in plan.families[1:]
        if len(f.children) == 1
        and f.children[0].school_class is not teacher.leads
        and (f.mother if female else f.father) is not None
    ]
    return min(candidates, key=lambda f: f.children[0].school_class.grade > 4)


def _adopt(family: Family, parent: Person) -> None:
    """Makes `parent` the family's mother or father; the family takes the parent's surname (and patronymic)."""
    family.surname = parent.surname
    for person in (family.mother, family.father, *(child.person for child in family.children)):
        if person is not None:
            person.surname = parent.surname
    if parent.gender == Student.Gender.FEMALE:
        family.mother = parent
        return
    family.father, family.father_name = parent, parent.first_name
    for child in family.children:
        child.person.middle_name = patronymic(parent.first_name, child.person.gender)


def plan_movements(rng: random.Random, plan: SchoolPlan, today: date) -> None:
    """About 1% move to a parallel class and a few leave the school, on school days before today."""
    start = date(plan.start_year, 9, 1)
    days = (today - start).days - 1
    if days < 1:
        return
    children = [child for family in plan.families if not family.demo for child in family.children]
    transfers = round(len(children) * TRANSFER_SHARE)
    picked = rng.sample(children, min(len(children), transfers + max(1, round(len(children) * LEAVER_SHARE))))
    parallel: dict[int, list[ClassPlan]] = {}
    for school_class in plan.classes:
        parallel.setdefault(school_class.grade, []).append(school_class)
    for child in picked[:transfers]:
        others = [c for c in parallel[child.school_class.grade] if c is not child.school_class]
        if others:
            child.transfer = (rng.choice(others), _school_day(rng, start, days))
    for child in picked[transfers:]:
        child.leaves_on = _school_day(rng, start, days)


def _school_day(rng: random.Random, start: date, days: int) -> date:
    day = start + timedelta(days=rng.randint(1, days))
    while day.weekday() >= 5 and day - timedelta(days=1) > start:
        day -= timedelta(days=1)
    return day


def assign_logins(plan: SchoolPlan, namer: Namer) -> None:
    """Logins for everyone who has an account and no demo login: t.…, p.ivanova17, s.…"""
    for number, teacher in enumerate(plan.teachers, 1):
        teacher.person.username = teacher.person.username or namer.login(teacher.person, "t", number)
    for family in plan.families:
        for person, _relation in family.guardians:
            person.username = person.username or namer.login(person, "p", family.number)
    for number, child in enumerate(plan.children(), 1):
        if child.has_login and not child.person.username:
            child.person.username = namer.login(child.person, "s", number)
