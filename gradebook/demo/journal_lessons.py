"""The demo journal's lessons, marks and attendance: a timetable from the curriculum's weekly hours,
lessons on school days, who is away and who gets which mark."""

import math
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from gradebook.demo.journal_school import (
    WORK_ANSWER,
    WORK_CHECK,
    WORK_FINAL,
    WORK_INDEPENDENT,
    WORK_TEST,
    JournalClass,
    JournalLine,
    JournalSchool,
    JournalTerm,
)
from gradebook.demo.journal_students import StudentPlan
from gradebook.demo.topics import HOMEWORK, TOPICS
from gradebook.models import AssessmentScale, Attendance, Lesson

HOLIDAYS = frozenset({(11, 4), (2, 23), (3, 8), (5, 1), (5, 9)})  # (month, day) off inside terms
FIRST_LESSON, LESSON_STEP = time(8, 30), timedelta(minutes=55)
TEST_EVERY = 8
ABSENT, LATE_KIND = Attendance.Kind.ABSENT.value, Attendance.Kind.LATE.value
# Lesson marks around a target: cumulative (probability, mark).
MARK_CDF = {
    5: ((0.9, 5), (1.0, 4)),
    4: ((0.3, 5), (0.85, 4), (1.0, 3)),
    3: ((0.03, 5), (0.25, 4), (0.9, 3), (1.0, 2)),
    2: ((0.03, 4), (0.3, 3), (1.0, 2)),
}
SKIPPED, LATE = 0.006, 0.008  # per lesson


def _timetable(rng: random.Random, lines: list[JournalLine]) -> list[list[tuple[JournalLine, float]]]:
    """Each weekday's lessons: (line, 1 or, for fractional hours, the share of weeks it is taught)."""
    days: list[list[tuple[JournalLine, float]]] = [[] for _day in range(5)]
    for line in sorted((line for line in lines if line.assignments), key=lambda line: -line.hours):
        whole, extra = int(line.hours), float(line.hours % 1)
        used: set[int] = set()
        for i in range(whole + (1 if extra else 0)):
            free = [d for d in range(5) if d not in used] or list(range(5))
            day = min(free, key=lambda d: (len(days[d]), rng.random()))
            used.add(day)
            days[day].append((line, extra if i == whole else 1.0))
    for lessons in days:
        rng.shuffle(lessons)
    return days


def _lesson_slots(school_class: JournalClass, days) -> dict[int, list[list[tuple[date, int]]]]:
    """Line id → for each term, (date, position in the day) of all the line's lessons in the term."""
    slots = defaultdict(lambda: [[] for _term in school_class.terms])
    monday = school_class.terms[0].start - timedelta(days=school_class.terms[0].start.weekday())
    for index, term in enumerate(school_class.terms):
        day = term.start
        while day <= term.end:
            if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
                week = (day - monday).days // 7
                for position, (line, share) in enumerate(days[day.weekday()]):
                    if share == 1 or math.floor((week + 1) * share) > math.floor(week * share):
                        slots[line.id][index].append((day, position))
            day += timedelta(days=1)
    return slots


def class_journal(rng, school: JournalSchool, school_class: JournalClass, students, until: date, out) -> None:
    if not school_class.terms:
        return
    slots = _lesson_slots(school_class, _timetable(rng, school_class.lines))
    for line in school_class.lines:
        for assignment in line.assignments:
            number = 0  # the assignment's lessons so far: topics and homework move on
            for term, term_slots in zip(school_class.terms, slots[line.id], strict=True):
                context = (school, school_class, line, assignment, term, students, out)
                number = _term_lessons(rng, context, term_slots, until, number)


def _term_lessons(rng, context, slots: list[tuple[date, int]], until: date, number: int) -> int:
    """One assignment's lessons of one term up to `until`; returns the running lesson number."""
    school, school_class, line, (assignment_id, group, teacher), term, students, out = context
    grade, count, tz = school_class.obj.grade, len(slots), timezone.get_current_timezone()
    rate = min(0.6, max(0.3, 4.5 / max(count, 1)))  # a third of the class; enough marks in 1-hour subjects
    marked: dict[int, int] = defaultdict(int)  # marks this term: the teacher asks everyone in turn
    for index, (day, position) in enumerate(slots):
        if day > until:
            break
        kind = _work_kind(rng, grade, index, count)
        work_type, weight = school.work[kind]
        lesson = Lesson(
            assignment_id=assignment_id,
            date=day,
            work_type_id=work_type,
            topic=_topic(line.name, kind, number, term),
            homework=_homework(line.name, number) if grade > 1 and kind == WORK_ANSWER else "",
        )
        number += 1
        present, away = [], []
        for student in school_class.members_on(day):
            if group is not None and student not in group:
                continue
            absent = students[student].absent.get(day)
            if absent is None:
                draw = rng.random()
                absent = ABSENT if draw < SKIPPED else LATE_KIND if draw < SKIPPED + LATE else None
            if absent:
                away.append((student, absent))
            if absent in (None, LATE_KIND):
                present.append(student)
        share = _mark_share(kind, line.scale, rate)
        marks = []
        for student in present if share >= 1 else _pick(rng, present, marked, round(share * len(present))):
            value, passed = _mark(rng, line, students[student], term.number)
            marks.append((student, value, passed))
            marked[student] += 1
            out.results[line.id, student, term.id].append((value, passed, weight))
        moment = datetime.combine(day, FIRST_LESSON, tz) + position * LESSON_STEP
        out.lesson(lesson, line.id, teacher, moment, away, marks, first_quarter=term.first_quarter)
    return number


def _work_kind(rng: random.Random, grade: int, index: int, count: int) -> str:
    if grade == 1:  # no marks in grade 1: only checks of the basic level
        return WORK_CHECK if index % TEST_EVERY == TEST_EVERY - 1 else WORK_ANSWER
    if index == count - 1 and count >= 4:
        return WORK_FINAL
    if index % TEST_EVERY == TEST_EVERY - 1:
        return WORK_TEST
    return WORK_INDEPENDENT if rng.random() < 0.12 else WORK_ANSWER


def _mark_share(kind: str, scale: str, rate: float) -> float:
    """The share of the students present who get a mark."""
    if scale == AssessmentScale.NONE:
        return 0
    if scale == AssessmentScale.BASIC_LEVEL:
        return 1 if kind == WORK_CHECK else 0
    if kind in (WORK_TEST, WORK_FINAL):
        return 1
    return 0.7 if kind == WORK_INDEPENDENT else rate


def _pick(rng: random.Random, present: list[int], marked: dict[int, int], count: int) -> list[int]:
    """Those asked at the lesson: mostly the ones with the fewest marks so far this term."""
    return sorted(present, key=lambda s: marked[s] + rng.random() * 1.5)[:count]


def _mark(rng: random.Random, line: JournalLine, student: StudentPlan, term_number: int):
    """(value, passed) of one mark."""
    if line.scale == AssessmentScale.FIVE_POINT:
        draw = rng.random()
        cdf = MARK_CDF[student.targets[line.name][min(term_number, 4) - 1]]
        return next(mark for edge, mark in cdf if draw < edge), None
    return None, rng.random() < (0.8 if student.profile == "weak" else 0.95)


def _topic(subject: str, kind: str, number: int, term: JournalTerm) -> str:
    topics = TOPICS.get(subject) or ("Тема урока",)
    topic = topics[(number // 3) % len(topics)]
    if kind == WORK_FINAL:
        return f"Итоговая работа за {term.label}"
    return f"{kind} по теме «{topic}»" if kind in (WORK_TEST, WORK_CHECK) else topic


def _homework(subject: str, number: int) -> str:
    page, task = 8 + 3 * number, 10 + 4 * number
    numbers = {"p": 1 + number // 2, "n": task, "n2": task + 3, "page": page, "page2": page + 4}
    return HOMEWORK.get(subject, "§ {p}, вопросы {q}–{q2}").format(
        q=1 + number % 6, q2=4 + number % 6, **numbers
    )
