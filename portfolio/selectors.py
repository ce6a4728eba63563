"""Reads for the portfolio pages, the rating and the deputy's overview. A fixed number of queries each.

Periods: any [start, end] of dates. Who takes part in the rating of a period: the students enrolled, on
the period's last day (or today, if that is later than today), in a class of the academic year containing
that day; their class and grade are that class's.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import Student
from gradebook.models import AcademicYear, Enrolment, Term, TermMark
from gradebook.selectors import active_enrolment_q, current_year
from portfolio import rating
from portfolio.models import (
    Award,
    Evidence,
    ExternalCreditRequest,
    GiftedRegistryEntry,
    ItemKind,
    Level,
    PortfolioHistory,
    PortfolioItem,
    RatingPoints,
    RatingSettings,
)


def points_table() -> dict[tuple[str, str], int]:
    table = rating.default_table()
    table |= {(p.level, p.result): p.points for p in RatingPoints.objects.all()}
    return table


def academic_weight():
    row = RatingSettings.objects.filter(pk=1).first()
    return row.academic_weight if row else rating.DEFAULT_ACADEMIC_WEIGHT


# Periods -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    label: str
    period: rating.Period


def period_choices(year: AcademicYear | None) -> list[PeriodChoice]:
    """The year and each of its distinct terms (quarters and half-years), for the period menus."""
    if year is None:
        return []
    choices = [PeriodChoice("year", str(year), rating.Period(year.start_date, year.end_date))]
    seen = set()
    for term in Term.objects.filter(academic_year=year).order_by("start_date", "end_date"):
        span = (term.start_date, term.end_date)
        if span not in seen:
            seen.add(span)
            choices.append(PeriodChoice(f"term:{term.pk}", str(term), rating.Period(*span)))
    return choices


def period_from(params, *, year: AcademicYear | None = None) -> tuple[rating.Period, str]:
    """The period a page asks for: ?start=&end= (ISO dates), ?period=year|term:<id>; the current year
    by default (the current calendar year with no academic year). Returns (period, its key)."""
    year = year or current_year()
    try:
        start, end = date.fromisoformat(params.get("start", "")), date.fromisoformat(params.get("end", ""))
        if start <= end:
            return rating.Period(start, end), "custom"
    except ValueError:
        pass
    choices = period_choices(year)
    wanted = params.get("period", "year")
    for choice in choices:
        if choice.key == wanted:
            return choice.period, choice.key
    if choices:
        return choices[0].period, "year"
    today = timezone.localdate()
    return rating.Period(date(today.year, 1, 1), date(today.year, 12, 31)), "custom"


# The rating ----------------------------------------------------------------------------------------


def _reference_day(period: rating.Period) -> date:
    return min(period.end, timezone.localdate())


def _enrolments(period: rating.Period) -> list[Enrolment]:
    day = _reference_day(period)
    return list(
        Enrolment.objects.filter(
            active_enrolment_q(on=day),
            school_class__academic_year__start_date__lte=day,
            school_class__academic_year__end_date__gte=day,
        )
        .select_related("student", "school_class")
        .order_by("student_id", "-start_date")
    )


def _marks(student_ids, period: rating.Period) -> dict[int, list[int]]:
    """Five-point term marks of terms ending in the period; annual ones for students without any."""
    base = TermMark.objects.filter(student_id__in=student_ids, value__isnull=False, not_attested=False)
    marks = defaultdict(list)
    for student_id, value in base.filter(
        kind=TermMark.Kind.TERM, term__end_date__gte=period.start, term__end_date__lte=period.end
    ).values_list("student_id", "value"):
        marks[student_id].append(value)
    annual = defaultdict(list)
    for student_id, value in base.filter(
        kind=TermMark.Kind.ANNUAL,
        class_subject__school_class__academic_year__end_date__gte=period.start,
        class_subject__school_class__academic_year__end_date__lte=period.end,
    ).values_list("student_id", "value"):
        annual[student_id].append(value)
    return {sid: marks.get(sid) or annual.get(sid, []) for sid in set(marks) | set(annual)}


def classes_on(*, student_ids, day: date) -> dict[int, str]:
    """The name of each student's class on a day (of the academic year containing it)."""
    names = {}
    for e in (
        Enrolment.objects.filter(
            active_enrolment_q(on=day),
            student_id__in=student_ids,
            school_class__academic_year__start_date__lte=day,
            school_class__academic_year__end_date__gte=day,
        )
        .select_related("school_class")
        .order_by("start_date")
    ):
        names[e.student_id] = e.school_class.name
    return names


def verified_items(*, student_ids, period: rating.Period):
    return PortfolioItem.objects.filter(
        student_id__in=student_ids,
        status=PortfolioItem.Status.VERIFIED,
        date__gte=period.start,
        date__lte=period.end,
    )


def school_ranking(*, period: rating.Period) -> rating.Ranking:
    """The whole school's standings for the period (staff pages; families see only their child's row)."""
    enrolments = {}
    for e in _enrolments(period):
        enrolments.setdefault(e.student_id, e)  # the latest-started enrolment in force
    ids = list(enrolments)
    table = points_table()
    points = Counter()
    for student_id, level, result in verified_items(student_ids=ids, period=period).values_list(
        "student_id", "level", "result"
    ):
        points[student_id] += rating.item_points(table, level=level, result=result)
    marks = _marks(ids, period)
    entrants = [
        rating.Entrant(
            student_id=sid,
            name=e.student.full_name,
            class_id=e.school_class_id,
            class_name=e.school_class.name,
            grade=e.school_class.grade,
            item_points=points[sid],
            marks=tuple(marks.get(sid, ())),
        )
        for sid, e in enrolments.items()
    ]
    return rating.rank(entrants, period=period, weight=academic_weight())


@dataclass(frozen=True)
class PointedItem:
    item: PortfolioItem
    points: int


@dataclass(frozen=True)
class StudentStanding:
    period: rating.Period
    standing: rating.Standing | None
    items: list[PointedItem]


def student_standing(*, student: Student, period: rating.Period) -> StudentStanding:
    """The student's own places and the items that gave the points: nothing about other children."""
    standing = school_ranking(period=period).of(student.pk)
    table = points_table()
    items = [
        PointedItem(i, rating.item_points(table, level=i.level, result=i.result))
        for i in verified_items(student_ids=[student.pk], period=period).select_related("subject")
    ]
    return StudentStanding(period, standing, items)


# The student's portfolio page -------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentPortfolio:
    student: Student
    items: list[PortfolioItem]
    awards: list[Award]
    credits: list[ExternalCreditRequest]
    gifted_entries: list[GiftedRegistryEntry]

    @property
    def verified(self) -> list[PortfolioItem]:
        return [i for i in self.items if i.status == PortfolioItem.Status.VERIFIED]


def student_portfolio(*, student: Student) -> StudentPortfolio:
    evidence = Prefetch("evidence", queryset=Evidence.objects.order_by("id"))
    items = list(
        PortfolioItem.objects.filter(student=student)
        .select_related("subject", "verified_by")
        .prefetch_related(evidence)
    )
    awards = list(
        Award.objects.filter(student=student)
        .select_related("order", "subject")
        .prefetch_related("basis_items")
        .order_by("-order__date")
    )
    credits = list(
        ExternalCreditRequest.objects.filter(student=student).prefetch_related(
            Prefetch("documents", queryset=Evidence.objects.order_by("id"))
        )
    )
    entries = list(GiftedRegistryEntry.objects.filter(student=student).select_related("item"))
    return StudentPortfolio(student, items, awards, credits, entries)


def item_history(*, item: PortfolioItem) -> list[PortfolioHistory]:
    evidence_ids = list(item.evidence.values_list("pk", flat=True))
    return list(
        PortfolioHistory.objects.filter(
            Q(entity=PortfolioHistory.Entity.ITEM, entity_id=item.pk)
            | Q(entity=PortfolioHistory.Entity.EVIDENCE, entity_id__in=evidence_ids)
        ).select_related("actor")
    )


# The deputy's overview ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    period: rating.Period
    kinds: list[tuple[str, str]]
    levels: list[tuple[str, str]]
    counts: dict[tuple[str, str], int]  # (kind, level) → verified items
    by_result: dict[str, int]
    students: int  # distinct students with a verified item
    submitted: int  # waiting for review, same period
    official_list: int

    def row(self, kind: str) -> list[int]:
        return [self.counts.get((kind, level), 0) for level, _label in self.levels]

    @property
    def rows(self) -> list[tuple[str, str, list[int], int]]:
        """(kind, label, counts by level, total) for every kind."""
        return [(kind, label, self.row(kind), sum(self.row(kind))) for kind, label in self.kinds]

    @property
    def column_totals(self) -> list[int]:
        return [sum(self.counts.get((k, level), 0) for k, _l in self.kinds) for level, _label in self.levels]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def achievements_overview(*, period: rating.Period) -> Overview:
    """Verified items of the whole school in the period, by kind × level (and by result)."""
    in_period = PortfolioItem.objects.filter(date__gte=period.start, date__lte=period.end)
    verified = in_period.filter(status=PortfolioItem.Status.VERIFIED)
    counts, by_result, students, official = Counter(), Counter(), set(), 0
    for kind, level, result, student_id, on_list in verified.values_list(
        "kind", "level", "result", "student_id", "official_list"
    ):
        counts[(kind, level)] += 1
        by_result[result] += 1
        students.add(student_id)
        official += on_list
    return Overview(
        period=period,
        kinds=list(ItemKind.choices),
        levels=list(Level.choices),
        counts=dict(counts),
        by_result=dict(by_result),
        students=len(students),
        submitted=in_period.filter(status=PortfolioItem.Status.SUBMITTED).count(),
        official_list=official,
    )
