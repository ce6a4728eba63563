"""The school's marking rules as pure functions (no database): parsing what a teacher types, and the
term and annual mark suggestions. DESIGN.md §4 "Marks and scales" is the specification."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from gradebook.models import AssessmentScale

NOT_ATTESTED = "н/а"
PASS_WORDS = {"зачет", "зачёт", "зач", "з", "+", "pass", "да"}
FAIL_WORDS = {"незачет", "незачёт", "незач", "нз", "-", "fail", "нет"}
BASIC_DONE = {"выполнен", "вып", "в", "+"}
BASIC_NOT_DONE = {"не выполнен", "невыполнен", "нв", "-"}


@dataclass(frozen=True)
class ParsedMark:
    value: int | None = None
    passed: bool | None = None


def parse_mark(raw: str, *, scale: str, allow_mark_1: bool = False) -> ParsedMark:
    """What the teacher typed, checked against the subject's scale in this class. Refuses in Russian."""
    text = raw.strip().lower()
    if scale == AssessmentScale.FIVE_POINT:
        low = 1 if allow_mark_1 else 2
        if text.isdigit() and low <= int(text) <= 5:
            return ParsedMark(value=int(text))
        raise DomainError(
            _("A mark must be a whole number from %(low)d to 5.") % {"low": low},
            code="invalid_mark",
            details={"value": raw},
        )
    if scale == AssessmentScale.PASS_FAIL:
        if text in PASS_WORDS:
            return ParsedMark(passed=True)
        if text in FAIL_WORDS:
            return ParsedMark(passed=False)
        raise DomainError(
            _("This course is assessed pass/fail: enter «зач» or «незач», not a number."),
            code="pass_fail_only",
            details={"value": raw},
        )
    if scale == AssessmentScale.BASIC_LEVEL:
        if text in BASIC_DONE:
            return ParsedMark(passed=True)
        if text in BASIC_NOT_DONE:
            return ParsedMark(passed=False)
        raise DomainError(
            _("Grade 1 is taught without marks: enter «в» (basic level achieved) or «нв» (not achieved)."),
            code="grade1_no_marks",
            details={"value": raw},
        )
    raise DomainError(_("This subject is not assessed in this class."), code="not_assessed")


@dataclass(frozen=True)
class Thresholds:
    three: Decimal = Decimal("2.50")
    four: Decimal = Decimal("3.50")
    five: Decimal = Decimal("4.50")

    def round(self, mean: Decimal) -> int:
        if mean >= self.five:
            return 5
        if mean >= self.four:
            return 4
        if mean >= self.three:
            return 3
        return 2


@dataclass(frozen=True)
class Suggestion:
    """A suggested mark and how it was reached, shown to the teacher next to the term mark."""

    result: str  # "2".."5", or "н/а"
    mean: Decimal | None  # exact weighted mean, None when there are no marks
    count: int
    weight_total: Decimal
    rule: str

    @property
    def mean_display(self) -> str:
        return f"{self.mean.quantize(Decimal('0.01'))}" if self.mean is not None else "—"


def weighted_mean(marks: list[tuple[int, Decimal]]) -> Decimal | None:
    """Σ(value × weight) / Σ(weight) in Decimal; None for no marks."""
    weight_total = sum((w for _v, w in marks), Decimal(0))
    if not marks or weight_total == 0:
        return None
    return sum((Decimal(v) * w for v, w in marks), Decimal(0)) / weight_total


def suggest_term_mark(
    marks: list[tuple[int, Decimal]], *, thresholds: Thresholds, min_marks: int
) -> Suggestion:
    """The term mark the rules suggest from (value, weight) pairs of the term's five-point marks."""
    return suggest_from_sums(
        count=len(marks),
        weighted_sum=sum((Decimal(v) * w for v, w in marks), Decimal(0)),
        weight_total=sum((w for _v, w in marks), Decimal(0)),
        thresholds=thresholds,
        min_marks=min_marks,
    )


def suggest_from_sums(
    *, count: int, weighted_sum: Decimal, weight_total: Decimal, thresholds: Thresholds, min_marks: int
) -> Suggestion:
    """The same suggestion from the sums a report aggregates in SQL: the number of marks, Σ(value × weight)
    and Σ(weight). `suggest_term_mark` is this over a list, so the journal and the reports agree."""
    mean = weighted_sum / weight_total if count and weight_total else None
    if count < min_marks:
        rule = _("fewer than %(n)d marks: not attested") % {"n": min_marks}
        return Suggestion(NOT_ATTESTED, mean, count, weight_total, str(rule))
    result = thresholds.round(mean)
    rule = _("weighted mean %(mean)s; «5» from %(five)s, «4» from %(four)s, «3» from %(three)s") % {
        "mean": f"{mean.quantize(Decimal('0.01'))}",
        "five": thresholds.five,
        "four": thresholds.four,
        "three": thresholds.three,
    }
    return Suggestion(str(result), mean, count, weight_total, str(rule))


def suggest_annual_mark(term_results: list[str], *, thresholds: Thresholds) -> Suggestion:
    """The rounded mean of the term marks; «н/а» when no term has a mark."""
    values = [int(r) for r in term_results if r.isdigit()]
    if not values:
        return Suggestion(NOT_ATTESTED, None, 0, Decimal(0), str(_("no term marks: not attested")))
    mean = Decimal(sum(values)) / len(values)
    rule = _("mean of the term marks %(mean)s") % {"mean": f"{mean.quantize(Decimal('0.01'))}"}
    return Suggestion(str(thresholds.round(mean)), mean, len(values), Decimal(len(values)), str(rule))
