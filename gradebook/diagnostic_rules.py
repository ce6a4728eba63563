"""The rules of diagnostic works and reading technique as pure functions over plain data: no ORM, no I/O.
The results page and the `diagnostics` report both compute with these, so they cannot disagree.

- A task is passed when the student's points reach the task's pass threshold (points ≥ pass_points).
- A student's total is the sum of their points; their percentage is total ÷ the work's maximum × 100,
  rounded like every report figure (gradebook.reports.figures.share: two decimals, half up).
- The mark of a marked work: «5» when the total is at least `threshold_5` % of the maximum, else «4» from
  `threshold_4` %, «3» from `threshold_3` %, otherwise «2». The comparison is exact (total × 100 ≥
  threshold × maximum), never on the rounded percentage, so 69.996 % is not yet 70 %.
- The share of students who passed a task is over those who wrote the work (present, with points);
  absent students and students with nothing entered are in neither the numerator nor the denominator.
- Reading technique: below the norm when the words per minute are fewer than the norm's `from`, above
  when more than its `to`, at the norm otherwise (both ends included). No norm for the grade and
  period: no level («—»), counted apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from gradebook.models.diagnostics import ReadingPeriod
from gradebook.reports.figures import share

# Typical norms of reading aloud, words per minute: (grade, period, from, to). Migration 0007 seeds the
# same rows; the school edits them (there is no federal norm: the school's local act sets it).
DEFAULT_READING_NORMS: tuple[tuple[int, int, int, int], ...] = (
    (1, ReadingPeriod.YEAR_END, 25, 30),
    (2, ReadingPeriod.START, 25, 30),
    (2, ReadingPeriod.HALF_YEAR, 40, 45),
    (2, ReadingPeriod.YEAR_END, 50, 55),
    (3, ReadingPeriod.START, 50, 55),
    (3, ReadingPeriod.HALF_YEAR, 65, 70),
    (3, ReadingPeriod.YEAR_END, 75, 80),
    (4, ReadingPeriod.START, 75, 80),
    (4, ReadingPeriod.HALF_YEAR, 85, 90),
    (4, ReadingPeriod.YEAR_END, 95, 100),
)
READING_GRADES = range(1, 5)
DEFAULT_THRESHOLDS = (50, 70, 90)  # offered on the form for a marked work; the teacher may change them


@dataclass(frozen=True, slots=True)
class Task:
    number: int
    max_points: int
    pass_points: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """One student's points in a work, with what follows from them."""

    points: tuple[int, ...]  # per task, in the tasks' order
    passed: tuple[bool, ...]
    total: int
    max_total: int
    percent: Decimal | None
    mark: int | None  # None when the work has no mark scale


def score_of(tasks: Sequence[Task], points: Sequence[int], thresholds: tuple[int, int, int] | None) -> Score:
    if len(points) != len(tasks):
        raise ValueError(f"{len(points)} points for {len(tasks)} tasks")
    total = sum(points)
    max_total = sum(t.max_points for t in tasks)
    return Score(
        points=tuple(points),
        passed=tuple(p >= t.pass_points for p, t in zip(points, tasks, strict=True)),
        total=total,
        max_total=max_total,
        percent=share(total, max_total),
        mark=mark_for(total, max_total, thresholds),
    )


def mark_for(total: int, max_total: int, thresholds: tuple[int, int, int] | None) -> int | None:
    """The mark for `total` of `max_total` points on the scale (least % for «3», «4», «5»); None unmarked."""
    if thresholds is None or max_total <= 0:
        return None
    for mark, threshold in zip((5, 4, 3), reversed(thresholds), strict=True):
        if total * 100 >= threshold * max_total:
            return mark
    return 2


@dataclass(frozen=True, slots=True)
class TaskShare:
    passed: int
    wrote: int

    @property
    def share(self) -> Decimal | None:
        return share(self.passed, self.wrote)


def task_shares(tasks: Sequence[Task], scores: Sequence[Score]) -> tuple[TaskShare, ...]:
    """Per task: how many of those who wrote passed it."""
    return tuple(
        TaskShare(passed=sum(s.passed[i] for s in scores), wrote=len(scores)) for i in range(len(tasks))
    )


class ReadingLevel(StrEnum):
    BELOW = "below"
    AT = "at"
    ABOVE = "above"


READING_LEVEL_LABELS = {
    ReadingLevel.BELOW: _("below the norm"),
    ReadingLevel.AT: _("at the norm"),
    ReadingLevel.ABOVE: _("above the norm"),
}


def reading_level(words_per_minute: int, norm: tuple[int, int] | None) -> ReadingLevel | None:
    """Below, at or above the norm (`from`–`to` words per minute, both included); None without a norm."""
    if norm is None:
        return None
    words_from, words_to = norm
    if words_per_minute < words_from:
        return ReadingLevel.BELOW
    if words_per_minute > words_to:
        return ReadingLevel.ABOVE
    return ReadingLevel.AT


@dataclass(frozen=True, slots=True)
class ReadingCounts:
    """How a group read: counts per level, of those who read against a norm."""

    below: int = 0
    at: int = 0
    above: int = 0
    no_norm: int = 0  # read, but no norm for their grade and period

    def __add__(self, other: "ReadingCounts") -> "ReadingCounts":
        return ReadingCounts(
            self.below + other.below,
            self.at + other.at,
            self.above + other.above,
            self.no_norm + other.no_norm,
        )

    @property
    def measured(self) -> int:
        """Those compared with a norm: the denominator of the shares."""
        return self.below + self.at + self.above

    def share_of(self, level: ReadingLevel) -> Decimal | None:
        return share(getattr(self, level.value), self.measured)


def reading_counts(levels: Sequence[ReadingLevel | None]) -> ReadingCounts:
    return ReadingCounts(
        below=sum(level == ReadingLevel.BELOW for level in levels),
        at=sum(level == ReadingLevel.AT for level in levels),
        above=sum(level == ReadingLevel.ABOVE for level in levels),
        no_norm=sum(level is None for level in levels),
    )


def default_reading_period(on: date) -> ReadingPeriod:
    """The period a check on this day is usually compared with: September–October the start of the year,
    November–January the end of the 1st half-year, later the end of the year. Only the form's default."""
    if on.month in (9, 10):
        return ReadingPeriod.START
    if on.month in (11, 12, 1):
        return ReadingPeriod.HALF_YEAR
    return ReadingPeriod.YEAR_END
