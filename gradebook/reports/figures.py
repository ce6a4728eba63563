"""The standard report figures (DESIGN.md §4) as pure functions over plain data: no ORM, no I/O.

Input: one `Result` per subject of a student for the period (the term mark, or the annual mark) — a mark
1–5, a pass/fail result, or «не аттестован». Where the school rules are silent, these are the decisions:

- A mark below 3 (a «2», or a «1» where the school uses it) makes the student неуспевающий.
- A failed pass/fail course («незачёт») is an academic failure as well: неуспевающий. A passed one
  («зачёт») neither helps nor hurts: the quality categories are judged on the marks alone.
- неуспевающий and н/а are independent: a student with a «2» and an «н/а» is counted in both, and
  once among those who do not succeed.
- отличник (every mark 5), хорошист (only 4 and 5, at least one 4), с одной «3» (exactly one 3, the rest
  4 or 5) and с одной «4» (exactly one 4, the rest 5; a subset of хорошисты) need at least one mark, no
  failure and no н/а. A student with no numeric mark is never in these categories.
- A student with no result at all (grade 1, whose results are not marks and are not passed here; a term
  with nothing set yet) is listed but *not assessed*: left out of every figure's numerator and
  denominator, so an unset journal never shows up as 100 % success.
- успеваемость % = assessed students with no failure and no н/а ÷ assessed students × 100;
  качество % = (отличники + хорошисты) ÷ assessed students × 100, defined only when the group has marks;
  СОУ % = (n5·100 + n4·64 + n3·36 + n2·16 + n1·4) ÷ (n5 + n4 + n3 + n2 + n1), over marks;
  средний балл = the mean of the marks. An undefined figure is None (shown «—»): no assessed student,
  or no marks (a grade-1 class, an empty term).
- Percentages and the mean are Decimal, rounded to two decimals, ROUND_HALF_UP. Group figures add up
  counts, never percentages, so a grade's or the school's figures are exact.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
SOU_WEIGHTS = (4, 16, 36, 64, 100)  # for the marks 1, 2, 3, 4, 5


@dataclass(frozen=True, slots=True)
class Result:
    """One subject's result for the period: exactly one of a mark, pass/fail, or not attested."""

    value: int | None = None
    passed: bool | None = None
    not_attested: bool = False


class Category(StrEnum):
    EXCELLENT = "excellent"
    ONE_FOUR = "one_four"
    GOOD = "good"
    ONE_THREE = "one_three"
    SATISFACTORY = "satisfactory"
    FAILING = "failing"
    NOT_ATTESTED = "not_attested"


CATEGORY_LABELS = {
    Category.EXCELLENT: _("excellent student"),
    Category.ONE_FOUR: _("with one «4»"),
    Category.GOOD: _("good student"),
    Category.ONE_THREE: _("with one «3»"),
    Category.SATISFACTORY: _("passes"),
    Category.FAILING: _("failing"),
    Category.NOT_ATTESTED: _("not attested"),
}


# What a student is counted in, in the order of `Standing.counts()`; each is also a property of Standing
# and a count of Figures.
COUNTS = ("assessed", "passing", "excellent", "good", "one_three", "one_four", "failing", "not_attested")


@dataclass(frozen=True, slots=True)
class Standing:
    """How one student stands over the period's results."""

    marks: tuple[int, int, int, int, int]  # how many 1s, 2s, 3s, 4s and 5s
    results: int  # results of any kind
    failed_courses: int  # pass/fail courses not passed
    not_attested_in: int  # subjects not attested

    def counts(self) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool]:
        """Whether the student counts in each of COUNTS: the rules of the module's docstring, in one
        place (figures_of asks them once per student, the properties one at a time)."""
        ones, twos, threes, fours, fives = self.marks
        assessed = self.results > 0
        failing = ones + twos + self.failed_courses > 0
        not_attested = self.not_attested_in > 0
        # Succeeds: assessed, with no failure and no н/а (the numerator of успеваемость).
        passing = assessed and not failing and not not_attested
        # The quality categories need at least one mark besides; a passing student has no 1 or 2.
        clean = passing and threes + fours + fives > 0
        return (
            assessed,
            passing,
            clean and threes == fours == 0,  # every mark 5
            clean and threes == 0 and fours >= 1,  # only 4 and 5, at least one 4
            clean and threes == 1,  # exactly one 3, the rest 4 or 5
            clean and threes == 0 and fours == 1,  # exactly one 4, the rest 5
            failing,
            not_attested,
        )

    @property
    def numeric(self) -> int:
        return sum(self.marks)

    @property
    def assessed(self) -> bool:
        return self.counts()[0]

    @property
    def passing(self) -> bool:
        """Succeeds: assessed, with no failure and no н/а (the numerator of успеваемость)."""
        return self.counts()[1]

    @property
    def excellent(self) -> bool:
        return self.counts()[2]

    @property
    def good(self) -> bool:
        return self.counts()[3]

    @property
    def one_three(self) -> bool:
        return self.counts()[4]

    @property
    def one_four(self) -> bool:
        return self.counts()[5]

    @property
    def failing(self) -> bool:
        return self.counts()[6]

    @property
    def not_attested(self) -> bool:
        return self.counts()[7]

    @property
    def categories(self) -> tuple[Category, ...]:
        """The labels shown for the student: the most specific one, or both failing and н/а."""
        assessed, _passing, excellent, good, one_three, one_four, failing, not_attested = self.counts()
        if failing or not_attested:
            return tuple(
                c for c, on in ((Category.FAILING, failing), (Category.NOT_ATTESTED, not_attested)) if on
            )
        for category, on in (
            (Category.EXCELLENT, excellent),
            (Category.ONE_FOUR, one_four),
            (Category.GOOD, good),
            (Category.ONE_THREE, one_three),
            (Category.SATISFACTORY, assessed),
        ):
            if on:
                return (category,)
        return ()

    @property
    def label(self) -> str:
        return ", ".join(str(CATEGORY_LABELS[c]) for c in self.categories)


def standing_of(results: Iterable[Result | None]) -> Standing:
    """The student's standing from their results; None (no result set) is skipped."""
    marks = [0, 0, 0, 0, 0]
    count = failed = not_attested = 0
    for result in results:
        if result is None:
            continue
        count += 1
        if result.not_attested:
            not_attested += 1
        elif result.value is not None:
            marks[result.value - 1] += 1
        elif result.passed is False:
            failed += 1
    return Standing(tuple(marks), count, failed, not_attested)


@dataclass(frozen=True, slots=True)
class Figures:
    """The standard figures of a group of students: counts, and the percentages derived from them."""

    students: int = 0  # listed (enrolled at the end of the period)
    assessed: int = 0  # with at least one result
    passing: int = 0
    excellent: int = 0
    good: int = 0
    one_three: int = 0
    one_four: int = 0
    failing: int = 0
    not_attested: int = 0
    marks: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    def __add__(self, other: "Figures") -> "Figures":
        counts = {
            name: getattr(self, name) + getattr(other, name)
            for name in (
                "students",
                "assessed",
                "passing",
                "excellent",
                "good",
                "one_three",
                "one_four",
                "failing",
                "not_attested",
            )
        }
        return Figures(**counts, marks=tuple(a + b for a, b in zip(self.marks, other.marks, strict=True)))

    @property
    def success(self) -> Decimal | None:
        """успеваемость, %."""
        return _percent(self.passing, self.assessed)

    @property
    def quality(self) -> Decimal | None:
        """качество знаний, %: only where there are marks to judge quality by."""
        if not sum(self.marks):
            return None
        return _percent(self.excellent + self.good, self.assessed)

    @property
    def sou(self) -> Decimal | None:
        """степень обученности (Симонов), %."""
        total = sum(self.marks)
        if not total:
            return None
        return _round(Decimal(sum(w * n for w, n in zip(SOU_WEIGHTS, self.marks, strict=True))) / total)

    @property
    def mean(self) -> Decimal | None:
        """средний балл."""
        total = sum(self.marks)
        if not total:
            return None
        return _round(Decimal(sum(v * n for v, n in enumerate(self.marks, start=1))) / total)


def figures_of(standings: Iterable[Standing], *, students: int | None = None) -> Figures:
    """Figures of a group from its students' standings. `students` counts the listed students when some
    of them have no standing of their own (those who left); by default, every standing is one student."""
    counts = [0] * len(COUNTS)
    marks = [0, 0, 0, 0, 0]
    listed = 0
    for s in standings:
        listed += 1
        counted = s.counts()
        if not counted[0]:  # not assessed: in no figure
            continue
        for i, on in enumerate(counted):
            if on:
                counts[i] += 1
        for i, n in enumerate(s.marks):
            marks[i] += n
    return Figures(
        students=listed if students is None else students,
        **dict(zip(COUNTS, counts, strict=True)),
        marks=tuple(marks),
    )


def figures_sum(groups: Iterable[Figures]) -> Figures:
    total = Figures()
    for figures in groups:
        total += figures
    return total


def share(part: int, whole: int) -> Decimal | None:
    """part ÷ whole × 100 rounded like every figure (a category's share of the assessed); None for 0."""
    return _percent(part, whole)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return _round(Decimal(part) * 100 / whole)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
