"""Rarely changing school data read on every journal request, kept in the cache.

The grading policy and a year's terms change a few times a year; reading them from the cache keeps
the journal page and the cell save within their query budgets. Services that change them call
`forget_school_rules()`; the short timeout bounds staleness after an edit made elsewhere (admin).
"""

from dataclasses import dataclass
from datetime import date

from django.core.cache import cache

from gradebook.models import GradeTermScheme, GradingPolicy, Term
from gradebook.rules import Thresholds

TIMEOUT = 60
POLICY_KEY = "gradebook:policy:v1"


@dataclass(frozen=True)
class Policy:
    thresholds: Thresholds
    min_marks: int
    absence_share_not_attested: int
    allow_mark_1: bool


@dataclass(frozen=True)
class TermInfo:
    id: int
    number: int
    label: str
    start_date: date
    end_date: date


def policy() -> Policy:
    def load() -> Policy:
        row, _created = GradingPolicy.objects.get_or_create(id=1)
        return Policy(
            Thresholds(row.threshold_3, row.threshold_4, row.threshold_5),
            row.min_marks,
            row.absence_share_not_attested,
            row.allow_mark_1,
        )

    return cache.get_or_set(POLICY_KEY, load, TIMEOUT)


def terms_of_grade(*, year_id: int, grade: int) -> list[TermInfo]:
    def load() -> list[TermInfo]:
        scheme = GradeTermScheme.objects.filter(academic_year_id=year_id, grade=grade).values("scheme")[:1]
        return [
            TermInfo(t.pk, t.number, str(t.label), t.start_date, t.end_date)
            for t in Term.objects.filter(academic_year_id=year_id, scheme__in=scheme).order_by("number")
        ]

    return cache.get_or_set(f"gradebook:terms:{year_id}:{grade}", load, TIMEOUT)


def term_containing(*, year_id: int, grade: int, on: date) -> TermInfo | None:
    return next(
        (t for t in terms_of_grade(year_id=year_id, grade=grade) if t.start_date <= on <= t.end_date), None
    )


def forget_school_rules(*, year_id: int | None = None) -> None:
    cache.delete(POLICY_KEY)
    if year_id is not None:
        cache.delete_many([f"gradebook:terms:{year_id}:{grade}" for grade in range(1, 12)])
