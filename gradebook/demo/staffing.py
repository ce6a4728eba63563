"""Planning the demo school's classes and teachers: class sizes, the teaching load and class teachers."""

import math
import random

from accounts.models import Role
from gradebook.demo.curriculum import HOURS, PRIMARY_SUBJECTS, SPECIALTY, SUBGROUPS, curriculum
from gradebook.demo.plan import Bundle, ClassPlan, Namer, TeacherPlan
from gradebook.services import CLASS_LETTERS

MALE_SHARE = {"pe": 0.5, "obzr": 0.7, "technology": 0.5, "physics": 0.35, "informatics": 0.4, "history": 0.25}
# Weekly hours a subject teacher is planned for. A full post is 18; aiming a little under it gives the
# usual one teacher per 15–18 students. Russian and mathematics teachers usually take more.
TARGET_LOAD, DEFAULT_TARGET_LOAD, MAX_LOAD = {"russian": 24, "math": 24}, 16, 30
CLASS_SIZE = 27
GRADE_WEIGHTS = {**dict.fromkeys(range(1, 10), 1.0), 10: 0.55, 11: 0.5}


def plan_classes(rng: random.Random, students: int) -> list[ClassPlan]:
    """Grades 1–11 of classes of about CLASS_SIZE; grades 10–11 are smaller, as in real schools."""
    classes = []
    for grade, count in _apportion(students, GRADE_WEIGHTS).items():
        number = max(1, round(count / CLASS_SIZE))
        sizes = [count // number + (i < count % number) for i in range(number)]
        for i in range(number - 1):  # a little unevenness; the grade's total stays
            shift = rng.randint(-1, 1)
            sizes[i], sizes[i + 1] = sizes[i] + shift, sizes[i + 1] - shift
        classes += [ClassPlan(grade, class_letter(i), size) for i, size in enumerate(sizes)]
    return classes


def _apportion(total: int, weights: dict[int, float]) -> dict[int, int]:
    """Integer shares of `total` proportional to `weights` (largest remainder), summing to `total`."""
    exact = {key: weight * total / sum(weights.values()) for key, weight in weights.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def class_letter(index: int) -> str:
    """А, Б, … Т, then А1, Б1, … for very large schools."""
    letters = len(CLASS_LETTERS)
    return CLASS_LETTERS[index % letters] + (str(index // letters) if index >= letters else "")


def class_bundles(school_class: ClassPlan) -> list[Bundle]:
    """The class's curriculum cut into what one teacher takes (the individual project aside)."""
    grade, by_specialty = school_class.grade, {}
    for key, _hours in curriculum(grade):
        if key != "project":
            specialty = "primary" if grade <= 4 and key in PRIMARY_SUBJECTS else SPECIALTY[key]
            by_specialty.setdefault(specialty, []).append(key)
    bundles = []
    for specialty, keys in by_specialty.items():
        hours = sum(HOURS[key][grade - 1] for key in keys)
        groups = SUBGROUPS if specialty == "english" and grade >= 5 else ("",)
        bundles += [Bundle(specialty, school_class, keys, hours, group) for group in groups]
    return bundles


def plan_staff(namer: Namer, classes: list[ClassPlan]) -> list[TeacherPlan]:
    """Teachers and their load; every class gets a class teacher. Names the demo deputy, teacher, class teacher."""
    pools: dict[str, list[Bundle]] = {}
    for school_class in classes:
        for bundle in class_bundles(school_class):
            pools.setdefault(bundle.specialty, []).append(bundle)
    teachers = []
    for bundle in pools.pop("primary"):  # one teacher per class of grades 1–4, who leads it
        teachers.append(TeacherPlan(namer.adult(0.03), "primary", [bundle]))
        _lead(teachers[-1], bundle.school_class)
    history = pools["history"]  # the deputy keeps a small load in the senior classes
    deputy = TeacherPlan(namer.adult(0.3), "history", history[-2:], roles=(Role.DEPUTY, Role.TEACHER))
    pools["history"] = history[:-2]
    for specialty, bundles in pools.items():
        male_share = MALE_SHARE.get(specialty, 0.1)
        teachers += [
            TeacherPlan(namer.adult(male_share), specialty, chunk) for chunk in share_load(specialty, bundles)
        ]
    math_teacher, russian_teacher = _first(teachers, "math"), _first(teachers, "russian")
    _lead(russian_teacher, next(b.school_class for b in russian_teacher.bundles if b.school_class.grade == 5))
    appoint_class_teachers([deputy, *teachers], classes, not_leading=(deputy, math_teacher))
    for school_class in classes:
        if school_class.grade == 10:
            school_class.class_teacher.bundles.append(Bundle("project", school_class, ["project"], 1))
    deputy.person.username, math_teacher.person.username = "deputy", "teacher"
    russian_teacher.person.username = "classteacher"
    return [deputy, *teachers]


def _first(teachers: list[TeacherPlan], specialty: str) -> TeacherPlan:
    return next(teacher for teacher in teachers if teacher.specialty == specialty)


def _lead(teacher: TeacherPlan, school_class: ClassPlan) -> None:
    teacher.leads, school_class.class_teacher = school_class, teacher


def share_load(specialty: str, bundles: list[Bundle]) -> list[list[Bundle]]:
    """Splits a specialty's bundles among as many teachers as its hours need, each taking neighbouring classes.

    English subgroups are ordered group 1 first, then group 2, and the two groups of a class always go
    to different teachers.
    """
    if specialty == "english":
        bundles = sorted(bundles, key=lambda bundle: bundle.subgroup)  # whole classes, group 1, group 2
    total = sum(bundle.hours for bundle in bundles)
    count = max(
        1, round(total / TARGET_LOAD.get(specialty, DEFAULT_TARGET_LOAD)), math.ceil(total / MAX_LOAD)
    )
    if any(bundle.subgroup for bundle in bundles):
        count = max(count, 2)
    count = min(count, len(bundles))
    chunks: list[list[Bundle]] = [[] for _chunk in range(count)]
    done = 0
    for bundle in bundles:
        chunks[min(count - 1, int((done + bundle.hours / 2) * count / total))].append(bundle)
        done += bundle.hours
    chunks = [chunk for chunk in chunks if chunk]
    _separate_subgroups(chunks)
    return chunks


def _separate_subgroups(chunks: list[list[Bundle]]) -> None:
    """Moves a class's group 2 away from the teacher of its group 1, to the least loaded other teacher."""
    first_group = {
        b.school_class: i for i, chunk in enumerate(chunks) for b in chunk if b.subgroup == SUBGROUPS[0]
    }
    for i, chunk in enumerate(chunks):
        for bundle in [b for b in chunk if b.subgroup == SUBGROUPS[1] and first_group[b.school_class] == i]:
            chunk.remove(bundle)
            others = [j for j in range(len(chunks)) if j != i]
            target = min(others, key=lambda j: sum(b.hours for b in chunks[j]))
            chunks[target].append(bundle)


def appoint_class_teachers(teachers: list[TeacherPlan], classes: list[ClassPlan], *, not_leading) -> None:
    """Every class still without one gets as class teacher whoever teaches it most and leads no class yet."""
    hours: dict[ClassPlan, dict[TeacherPlan, int]] = {}
    for teacher in teachers:
        for bundle in teacher.bundles:
            in_class = hours.setdefault(bundle.school_class, {})
            in_class[teacher] = in_class.get(teacher, 0) + bundle.hours
    for school_class in classes:
        if school_class.class_teacher is not None:
            continue
        own = hours.get(school_class, {})
        candidates = [t for t in own if t.leads is None and t not in not_leading] or [
            t for t in teachers if t.leads is None and t not in not_leading
        ]
        _lead(max(candidates, key=lambda t: own.get(t, 0)), school_class)
