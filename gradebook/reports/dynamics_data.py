"""Динамика: the standard figures of a class (a grade, the school) or a student's marks, term by term and year by
year, across the years the database holds. The layout and the report kind: `gradebook.reports.dynamics`.

A class's history is its line of classes: 5А of this year was 4А a year before and 3А two years before
(same letter, one grade lower per year back). A grade's history is the history of its classes (the same
students, as a cohort); the school's is every class of each year.

The figures of a class in a period are the ledger's (`figures.standing_of`, `figures.figures_of`): over the
students enrolled in the class on the period's last day, from their term marks of that term (or their
annual marks for the year), in the five-point and pass/fail subjects. For the year the last day is the end
of the grade's last term. A period appears once someone in it has a result.

A student's dynamics: every term and annual mark they have, by subject (the same subject in different
years is one row), with the mean of the marks of each period (the ledger's «средний балл») and of each
subject's term marks.

A fixed number of queries (about eight) whatever the size: the term marks are aggregated in SQL to
(class, student, period, result) → how many, then expanded into the figures' `Result`s.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook.models import AcademicYear, Enrolment, GradeTermScheme, School, SchoolClass, Term, TermMark
from gradebook.reports.figures import Figures, Result, figures_of, figures_sum, standing_of
from gradebook.reports.ledger import COUNTED_SCALES, SHOWN_SCALES, Progress, _CellTexts

SCHEME_ORDER = {"quarter": 0, "trimester": 1, "half_year": 2}


@dataclass(frozen=True)
class DynamicsScope:
    """The checked parameters: a class, a grade or the school of a year, or one student."""

    year_id: int
    year_name: str
    scope: str  # school, grade, class, student
    grade: int | None
    class_id: int | None
    student_id: int | None
    scope_label: str  # «5А», «5-е классы», «школа», «Иванов Иван»

    def params(self) -> dict:
        return {
            "year": self.year_id,
            "scope": self.scope,
            "grade": self.grade,
            "class_id": self.class_id,
            "student_id": self.student_id,
        }

    @property
    def file_stem(self) -> str:
        if self.student_id is not None:
            return " ".join((_("Dynamics"), self.scope_label))
        return " ".join((_("Dynamics"), self.scope_label, self.year_name.replace("/", "-")))


@dataclass(frozen=True, slots=True)
class Period:
    """A term of a year, or the year itself (term None: the annual marks)."""

    year_start: date
    year_name: str
    term_id: int | None
    scheme: str | None
    number: int
    end: date

    @property
    def key(self) -> tuple:
        """Chronological: the terms of a year by their end, then the year."""
        if self.term_id is None:
            return (self.year_start, 1, date.max, 0, 0)
        return (self.year_start, 0, self.end, SCHEME_ORDER.get(self.scheme, 9), self.number)

    @property
    def is_year(self) -> bool:
        return self.term_id is None

    @property
    def label(self) -> str:
        """A column's or a chart point's name: «1 ч. 26/27», «год 26/27» (English: «Q1 26/27», «Year 26/27»)."""
        short = f"{self.year_name[2:4]}/{self.year_name[-2:]}"
        if self.term_id is None:
            return pgettext("dynamics period", "Year %(year)s") % {"year": short}
        formats = {
            "quarter": pgettext("dynamics period", "Q%(n)d %(year)s"),
            "trimester": pgettext("dynamics period", "T%(n)d %(year)s"),
            "half_year": pgettext("dynamics period", "H%(n)d %(year)s"),
        }
        return formats.get(self.scheme, "%(n)d %(year)s") % {"n": self.number, "year": short}


@dataclass(frozen=True, slots=True)
class Point:
    period: Period
    class_name: str  # the class that year: «4А»; empty for a total
    figures: Figures


@dataclass(frozen=True, slots=True)
class Line:
    """A class's (or a total's) figures over the periods that have results, in order."""

    label: str
    teacher: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ClassDynamics:
    school_name: str
    scope: DynamicsScope
    made_on: date
    total: Line | None  # the grade (as a cohort) or the school; None for a class
    classes: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class SubjectRow:
    name: str
    cells: tuple  # per period: a mark, a text («н/а», «зач»), or None
    mean: object  # Decimal | None: the mean of the subject's term marks over all terms


@dataclass(frozen=True)
class StudentDynamics:
    school_name: str
    scope: DynamicsScope
    made_on: date
    periods: tuple[Period, ...]
    subjects: tuple[SubjectRow, ...]
    means: tuple  # per period: the mean of the marks (Decimal) or None


# Classes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Class:
    id: int
    year: AcademicYear
    grade: int
    letter: str
    teacher: str

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


def class_dynamics_build(checked: DynamicsScope, *, progress: Progress | None = None) -> ClassDynamics:
    years = list(AcademicYear.objects.order_by("start_date"))
    this_year = next(y for y in years if y.pk == checked.year_id)
    years = [y for y in years if y.start_date <= this_year.start_date]
    classes = _classes(years)
    current = [c for c in classes if c.year.pk == checked.year_id and _in_scope(checked, c)]
    lineages = {c.id: _lineage(c, years, classes) for c in current}
    if checked.scope != "school":
        classes = list({k.id: k for c in current for k in lineages[c.id]}.values())
    figures = _figures(classes, progress)
    lines = tuple(_line(c.name, c.teacher, [(k, figures[k.id]) for k in lineages[c.id]]) for c in current)
    total = None
    if checked.scope == "grade":
        label = pgettext("report scope", "grade %(grade)d classes") % {"grade": checked.grade}
        total = _total_line(label, classes, figures)
    elif checked.scope == "school":
        total = _total_line(_("School"), classes, figures)
    return ClassDynamics(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        scope=checked,
        made_on=timezone.localdate(),
        total=total,
        classes=lines,
    )


def _in_scope(checked: DynamicsScope, c: _Class) -> bool:
    if checked.scope == "class":
        return c.id == checked.class_id
    if checked.scope == "grade":
        return c.grade == checked.grade
    return True


def _classes(years: list[AcademicYear]) -> list[_Class]:
    """The classes of those years, ordered by year, grade and letter: one query (a few dozen a year)."""
    by_id = {y.pk: y for y in years}
    rows = SchoolClass.objects.filter(academic_year__in=years).select_related("class_teacher")
    found = [
        _Class(
            c.pk,
            by_id[c.academic_year_id],
            c.grade,
            c.letter,
            c.class_teacher.short_name if c.class_teacher else "",
        )
        for c in rows
    ]
    return sorted(found, key=lambda c: (c.year.start_date, c.grade, c.letter))


def _lineage(current: _Class, years: list[AcademicYear], classes: list[_Class]) -> list[_Class]:
    """The class and its predecessors: the same letter, one grade lower for each year back."""
    index = {(c.year.pk, c.grade, c.letter): c for c in classes}
    line = []
    for year in years:
        back = current.year.start_date.year - year.start_date.year
        found = index.get((year.pk, current.grade - back, current.letter))
        if found is not None and back >= 0:
            line.append(found)
    return line


def _figures(classes: list[_Class], progress: Progress | None) -> dict[int, dict[Period, Figures]]:
    """class → period → the figures of the class in that period (every period of its grade that year; the
    lines leave out those without a result)."""
    if not classes:
        return {}
    years = {c.year.pk: c.year for c in classes}
    periods = _periods(years)
    members = _enrolments([c.id for c in classes])
    results = _results([c.id for c in classes])
    found: dict[int, dict[Period, Figures]] = {}
    for done, c in enumerate(classes, start=1):
        found[c.id] = {}
        for period, last_day in periods.get((c.year.pk, c.grade), []):
            here = [s for s, spans in members.get(c.id, {}).items() if _enrolled(spans, last_day)]
            standings = [standing_of(results.get((c.id, s, period.term_id), ())) for s in here]
            found[c.id][period] = figures_of(standings)
        if progress is not None:
            progress(done, len(classes))
    return found


def _enrolled(spans: list[tuple[date, date | None]], day: date) -> bool:
    return any(start <= day and (end is None or end >= day) for start, end in spans)


def _periods(years: dict[int, AcademicYear]) -> dict[tuple[int, int], list[tuple[Period, date]]]:
    """(year, grade) → the grade's terms and its year, each with the day whose class list counts: the
    term's last day, and for the year the last day of the grade's last term (as in the ledger)."""
    schemes = defaultdict(dict)
    for year_id, grade, scheme in GradeTermScheme.objects.filter(academic_year_id__in=years).values_list(
        "academic_year_id", "grade", "scheme"
    ):
        schemes[year_id][grade] = scheme
    terms = defaultdict(list)
    for t in Term.objects.filter(academic_year_id__in=years).order_by("start_date", "number"):
        terms[t.academic_year_id, t.scheme].append(t)
    found = {}
    for year_id, year in years.items():
        for grade in range(1, 12):
            own = terms.get((year_id, schemes[year_id].get(grade)), [])
            periods = [
                (Period(year.start_date, year.name, t.pk, t.scheme, t.number, t.end_date), t.end_date)
                for t in own
            ]
            last = max((t.end_date for t in own), default=year.end_date)
            periods.append((Period(year.start_date, year.name, None, None, 0, year.end_date), last))
            found[year_id, grade] = periods
    return found


def _enrolments(class_ids: list[int]) -> dict[int, dict[int, list[tuple[date, date | None]]]]:
    """class → student → the (start, end) of their enrolments in the class."""
    found: dict[int, dict[int, list]] = defaultdict(dict)
    for class_id, student_id, start, end in Enrolment.objects.filter(
        school_class_id__in=class_ids
    ).values_list("school_class_id", "student_id", "start_date", "end_date"):
        found[class_id].setdefault(student_id, []).append((start, end))
    return found


_RESULTS: dict[tuple, Result] = {}


def _results(class_ids: list[int]) -> dict[tuple[int, int, int | None], list[Result]]:
    """(class, student, term or None for the year) → the results, aggregated in SQL to distinct results."""
    rows = (
        TermMark.objects.filter(
            Q(kind=TermMark.Kind.TERM) | Q(kind=TermMark.Kind.ANNUAL, term__isnull=True),
            class_subject__school_class_id__in=class_ids,
            class_subject__scale__in=COUNTED_SCALES,
        )
        .values("class_subject__school_class_id", "student_id", "term_id", "value", "passed", "not_attested")
        .annotate(n=Count("id"))
        .values_list(
            "class_subject__school_class_id", "student_id", "term_id", "value", "passed", "not_attested", "n"
        )
    )
    found = defaultdict(list)
    for class_id, student_id, term_id, value, passed, not_attested, n in rows:
        key = (value, passed, not_attested)
        result = _RESULTS.get(key) or _RESULTS.setdefault(key, Result(value, passed, not_attested))
        found[class_id, student_id, term_id].extend([result] * n)
    return found


def _line(label: str, teacher: str, found: list[tuple[_Class, dict[Period, Figures]]]) -> Line:
    points = [
        Point(period, c.name, figures)
        for c, by_period in found
        for period, figures in by_period.items()
        if figures.assessed
    ]
    return Line(label, teacher, tuple(sorted(points, key=lambda p: p.period.key)))


def _total_line(label: str, classes: list[_Class], figures: dict[int, dict[Period, Figures]]) -> Line:
    by_period: dict[Period, list[Figures]] = defaultdict(list)
    for c in classes:
        for period, f in figures.get(c.id, {}).items():
            by_period[period].append(f)
    points = [
        Point(period, "", total) for period, fs in by_period.items() if (total := figures_sum(fs)).assessed
    ]
    return Line(label, "", tuple(sorted(points, key=lambda p: p.period.key)))


# A student --------------------------------------------------------------------------------------------------


def student_dynamics_build(checked: DynamicsScope, *, progress: Progress | None = None) -> StudentDynamics:
    """Every term and annual mark of the student, by subject and period: two queries."""
    rows = (
        TermMark.objects.filter(
            Q(kind=TermMark.Kind.TERM) | Q(kind=TermMark.Kind.ANNUAL, term__isnull=True),
            student_id=checked.student_id,
            class_subject__scale__in=SHOWN_SCALES,
        )
        .values_list(
            "class_subject__school_class__academic_year__start_date",
            "class_subject__school_class__academic_year__name",
            "class_subject__school_class__academic_year__end_date",
            "term_id",
            "term__scheme",
            "term__number",
            "term__end_date",
            "class_subject__subject_id",
            "class_subject__subject__name",
            "class_subject__subject__order",
            "class_subject__scale",
            "value",
            "passed",
            "not_attested",
        )
        .order_by()
    )
    texts = _CellTexts()
    periods: set[Period] = set()
    subjects: dict[int, tuple[int, str]] = {}
    cells: dict[tuple[int, Period], tuple[Result, str]] = {}
    for (
        start,
        name,
        year_end,
        term_id,
        scheme,
        number,
        end,
        subject_id,
        subject,
        order,
        scale,
        *result,
    ) in rows:
        period = Period(start, name, term_id, scheme, number or 0, end or year_end)
        periods.add(period)
        subjects[subject_id] = (order, subject)
        cells[subject_id, period] = (Result(*result), scale)
    ordered = sorted(periods, key=lambda p: p.key)
    subject_rows = []
    for subject_id, (_order, name) in sorted(subjects.items(), key=lambda s: (s[1], s[0])):
        found = [cells.get((subject_id, p)) for p in ordered]
        term_results = [c[0] for c, p in zip(found, ordered, strict=True) if c is not None and not p.is_year]
        subject_rows.append(
            SubjectRow(
                name,
                tuple(texts.cell(*c) if c is not None else None for c in found),
                _mean(term_results),
            )
        )
    by_period = defaultdict(list)
    for (_subject, period), (result, _scale) in cells.items():
        by_period[period].append(result)
    means = tuple(_mean(by_period[p]) for p in ordered)
    return StudentDynamics(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        scope=checked,
        made_on=timezone.localdate(),
        periods=tuple(ordered),
        subjects=tuple(subject_rows),
        means=means,
    )


def _mean(results: list[Result]):
    """The mean of the marks among the results (the ledger's «средний балл»; pass/fail and basic-level
    results are not marks), or None."""
    return figures_of([standing_of(results)]).mean
