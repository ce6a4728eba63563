"""The demo journal's students: profiles, target marks per subject, days away."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from gradebook.demo.journal_school import JournalSchool, JournalTerm
from gradebook.models import AcademicYear, AssessmentScale, Attendance

# Profiles: share of students, and P(5), P(4) of a five-point subject's target mark (the rest is 3).
PROFILES = (
    ("excellent", 0.10, 1.0, 0.0),
    ("good", 0.40, 0.45, 0.55),
    ("one_three", 0.10, 0.45, 0.55),  # and one subject at 3
    ("average", 0.35, 0.10, 0.45),
    ("weak", 0.05, 0.0, 0.15),  # and one or two subjects at 2
)
ABILITY = {name: (p5, p4) for name, _share, p5, p4 in PROFILES} | {"ill": (0.10, 0.45)}
LONG_ILLNESS, WINTER_ILLNESS = 0.008, 0.01  # shares away for weeks («б») in the first term / in winter
SICK_START, EXCUSED_START = 0.0055, 0.003  # a day that starts an illness / a family absence


@dataclass(eq=False)
class StudentPlan:
    profile: str
    targets: dict[str, list[int]] = field(default_factory=dict)  # subject name → target mark per term
    absent: dict[date, str] = field(default_factory=dict)  # whole days away → attendance kind


def plan_students(rng: random.Random, school: JournalSchool) -> dict[int, StudentPlan]:
    subjects, first_class, whole_year = defaultdict(set), {}, set()
    for school_class in school.classes:
        names = {line.name for line in school_class.lines if line.scale == AssessmentScale.FIVE_POINT}
        for student, start, end in school_class.members:
            subjects[student] |= names
            first_class.setdefault(student, school_class)
            if start == school.year.start_date and end == date.max and 2 <= school_class.obj.grade <= 9:
                whole_year.add(student)
    students = {}
    for student in sorted(subjects):
        draw, profile = rng.random(), PROFILES[-1][0]
        for name, share, _p5, _p4 in PROFILES:
            draw -= share
            if draw < 0:
                profile = name
                break
        if profile != "excellent" and rng.random() < LONG_ILLNESS:
            profile = "ill"  # an average student away for most of the first term
        students[student] = StudentPlan(profile)
    _force_each_kind(rng, students, sorted(whole_year))
    for student in sorted(students):
        plan = students[student]
        plan.targets = _targets(rng, plan.profile, sorted(subjects[student]))
        plan.absent = _absences(rng, school.year, first_class[student].terms, plan.profile == "ill")
    return students


def _force_each_kind(rng: random.Random, students: dict[int, StudentPlan], eligible: list[int]) -> None:
    """Even a small school shows an отличник, a weak student and a long illness in grades 2–9."""
    for kind in ("excellent", "weak", "ill"):
        if eligible and not any(students[s].profile == kind for s in eligible):
            average = [s for s in eligible if students[s].profile == "average"] or eligible
            students[rng.choice(average)].profile = kind


def _targets(rng: random.Random, profile: str, names: list[str]) -> dict[str, list[int]]:
    """The mark each five-point subject tends to, in each of up to four terms."""
    p5, p4 = ABILITY[profile]
    base = {}
    for name in names:
        draw = rng.random()
        base[name] = 5 if draw < p5 else 4 if draw < p5 + p4 else 3
    if names and profile == "one_three":
        base[rng.choice(names)] = 3
    if names and profile == "weak":
        for name in rng.sample(names, min(len(names), rng.choice((1, 1, 2)))):
            base[name] = 2
    targets = {}
    for name in names:
        marks = [base[name]]
        for _term in range(3):
            drift = 0 if profile == "excellent" or rng.random() >= 0.15 else rng.choice((-1, 1))
            marks.append(min(5, max(2 if marks[-1] == 2 else 3, marks[-1] + drift)))
        targets[name] = marks
    return targets


def _absences(rng: random.Random, year: AcademicYear, terms: list[JournalTerm], ill: bool) -> dict[date, str]:
    """Whole days away: short illnesses («б»), family reasons («уп») and long illnesses."""
    absent, day, left, kind = {}, year.start_date, 0, Attendance.Kind.SICK
    while day <= (terms[-1].end if terms else year.end_date):
        if day.weekday() < 5:
            if left:
                absent[day], left = kind, left - 1
            else:
                draw = rng.random()
                if draw < SICK_START:
                    kind, left = Attendance.Kind.SICK, rng.randint(2, 7)
                elif draw < SICK_START + EXCUSED_START:
                    kind, left = Attendance.Kind.EXCUSED, rng.randint(1, 2)
        day += timedelta(days=1)
    stretches = []
    if ill and terms:
        stretches.append((terms[0].start + timedelta(days=rng.randint(5, 12)), rng.randint(30, 38)))
    if rng.random() < WINTER_ILLNESS:
        stretches.append((date(year.start_date.year + 1, 1, rng.randint(15, 31)), rng.randint(15, 25)))
    for day, days in stretches:
        while days:
            if day.weekday() < 5:
                absent[day], days = Attendance.Kind.SICK, days - 1
            day += timedelta(days=1)
    return absent
