"""The rules of learning-action levels as pure functions over plain data: no ORM, no I/O.

- A diagnostic work measures an indicator by some of its tasks. The student's share is the sum of their
  points on those tasks ÷ the sum of those tasks' maximum × 100. The level is high when the share reaches
  `high_from` %, optimal when it reaches `optimal_from` %, low otherwise. The comparison is exact
  (points × 100 ≥ threshold × maximum), never on a rounded percentage.
- A student absent from the work, or with a chosen task left empty, gets no proposed level.
- The change from one year to the next: up, same or down by the order low < optimal < high.
- An aggregate of fewer than MIN_GROUP students is "too few to show" (never its counts or shares).
- Personal results of grades 1–9 are never recorded per student (DESIGN §4): the indicators of the personal
  group get levels only in grades 10–11; below, the class records anonymous aggregates (ClassPersonalResults).
"""

from collections.abc import Mapping, Sequence

from achievements.models import MIN_GROUP, Level, MetaSkill

ANONYMOUS_PERSONAL_GRADES = range(1, 10)

ORDER = {Level.LOW: 0, Level.OPTIMAL: 1, Level.HIGH: 2}


def level_for(*, points: int, max_points: int, optimal_from: int, high_from: int) -> Level:
    """The level of a share of points; thresholds in whole percent (0 < optimal_from < high_from ≤ 100)."""
    if max_points <= 0:
        raise ValueError("max_points must be positive")
    if points * 100 >= high_from * max_points:
        return Level.HIGH
    if points * 100 >= optimal_from * max_points:
        return Level.OPTIMAL
    return Level.LOW


def level_from_tasks(
    *,
    points: Mapping[int, int | None],
    max_points: Mapping[int, int],
    task_numbers: Sequence[int],
    optimal_from: int,
    high_from: int,
) -> Level | None:
    """The level from a student's points per task number (None or missing: not entered → no level)."""
    got = [points.get(n) for n in task_numbers]
    if not task_numbers or any(p is None for p in got):
        return None
    return level_for(
        points=sum(got),
        max_points=sum(max_points[n] for n in task_numbers),
        optimal_from=optimal_from,
        high_from=high_from,
    )


def change_of(before: str | None, now: str | None) -> int | None:
    """+1 up, 0 the same, −1 down (by steps of the order low < optimal < high); None without both levels."""
    if not before or not now:
        return None
    diff = ORDER[Level(now)] - ORDER[Level(before)]
    return (diff > 0) - (diff < 0)


def per_student(*, group: str, grade: int) -> bool:
    """Whether an indicator of `group` may have a per-student level in a class of `grade`."""
    return not (group == MetaSkill.Group.PERSONAL and grade in ANONYMOUS_PERSONAL_GRADES)


def shown(total: int) -> bool:
    """Whether an aggregate of `total` students may be shown (DESIGN §4: at least MIN_GROUP)."""
    return total >= MIN_GROUP
