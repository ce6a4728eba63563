"""The rating's rules as pure functions: no ORM, no dates of "today". Selectors feed them rows.

Points of a student for a period:
- items: each VERIFIED item dated within the period gives the points of its level × result from the
  table the deputy edits (defaults in DEFAULT_POINTS);
- academic: the mean of the student's five-point term marks of the terms that end within the period
  (when there are none, the annual marks of the years that end within it), rounded to two decimals,
  times the academic weight (default 10: a mean of 4.50 gives 45.00 points);
- total = items + academic.

Places (class, grade, school) follow the standard competition ranking: equal totals share a place and
the next place is skipped — totals 90, 80, 80, 70 take places 1, 2, 2, 4.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

LEVELS = ("school", "municipal", "regional", "interregional", "all_russian", "international")
RESULTS = ("winner", "prize_winner", "participant")
DEFAULT_POINTS = {
    "school": (10, 7, 2),
    "municipal": (20, 14, 4),
    "regional": (40, 28, 8),
    "interregional": (60, 42, 12),
    "all_russian": (80, 56, 16),
    "international": (100, 70, 20),
}
DEFAULT_ACADEMIC_WEIGHT = Decimal("10")


def default_table() -> dict[tuple[str, str], int]:
    return {
        (level, result): points
        for level, row in DEFAULT_POINTS.items()
        for result, points in zip(RESULTS, row, strict=True)
    }


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError("a period's start is after its end")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def item_points(table: Mapping[tuple[str, str], int], *, level: str, result: str) -> int:
    return table.get((level, result), 0)


def mean_mark(marks: Sequence[int]) -> Decimal | None:
    if not marks:
        return None
    return (Decimal(sum(marks)) / Decimal(len(marks))).quantize(CENT, rounding=ROUND_HALF_UP)


def academic_points(marks: Sequence[int], *, weight: Decimal) -> Decimal:
    mean = mean_mark(marks)
    return Decimal("0.00") if mean is None else (mean * weight).quantize(CENT, rounding=ROUND_HALF_UP)


def competition_places(scores: Mapping[Hashable, Decimal]) -> dict[Hashable, int]:
    """Place of each key: 1 + how many keys scored strictly more («1, 2, 2, 4»)."""
    ordered = sorted(scores.values(), reverse=True)
    first_index = {}
    for index, score in enumerate(ordered):
        first_index.setdefault(score, index)
    return {key: first_index[score] + 1 for key, score in scores.items()}


@dataclass(frozen=True)
class Entrant:
    """A student taking part: where they are, their verified items' points and their marks."""

    student_id: int
    name: str
    class_id: int
    class_name: str
    grade: int
    item_points: int
    marks: tuple[int, ...] = ()


@dataclass(frozen=True)
class Standing:
    student_id: int
    name: str
    class_id: int
    class_name: str
    grade: int
    item_points: int
    mean: Decimal | None
    academic: Decimal
    total: Decimal
    class_place: int
    class_size: int
    grade_place: int
    grade_size: int
    school_place: int
    school_size: int


@dataclass(frozen=True)
class Ranking:
    period: Period
    standings: list[Standing] = field(default_factory=list)

    def of(self, student_id: int) -> Standing | None:
        return next((s for s in self.standings if s.student_id == student_id), None)


def _places_within(entrants: Iterable[Entrant], totals: dict[int, Decimal], group) -> tuple[dict, dict]:
    groups: dict = {}
    for e in entrants:
        groups.setdefault(group(e), {})[e.student_id] = totals[e.student_id]
    places, sizes = {}, {}
    for members in groups.values():
        places |= competition_places(members)
        sizes |= dict.fromkeys(members, len(members))
    return places, sizes


def rank(entrants: Sequence[Entrant], *, period: Period, weight: Decimal) -> Ranking:
    """Totals and the three places of every entrant, best first (then by name)."""
    academic = {e.student_id: academic_points(e.marks, weight=weight) for e in entrants}
    totals = {e.student_id: Decimal(e.item_points) + academic[e.student_id] for e in entrants}
    class_places, class_sizes = _places_within(entrants, totals, lambda e: e.class_id)
    grade_places, grade_sizes = _places_within(entrants, totals, lambda e: e.grade)
    school_places = competition_places(totals)
    standings = [
        Standing(
            student_id=e.student_id,
            name=e.name,
            class_id=e.class_id,
            class_name=e.class_name,
            grade=e.grade,
            item_points=e.item_points,
            mean=mean_mark(e.marks),
            academic=academic[e.student_id],
            total=totals[e.student_id],
            class_place=class_places[e.student_id],
            class_size=class_sizes[e.student_id],
            grade_place=grade_places[e.student_id],
            grade_size=grade_sizes[e.student_id],
            school_place=school_places[e.student_id],
            school_size=len(entrants),
        )
        for e in entrants
    ]
    standings.sort(key=lambda s: (s.school_place, s.name, s.student_id))
    return Ranking(period=period, standings=standings)
