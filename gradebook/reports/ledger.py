"""Сводная ведомость итогов успеваемости: students × subjects with the period's marks, and the standard
figures per class, per grade and for the school. One selector feeds the page, the XLSX and the PDF.

Who is in a class's list: every student enrolled in the class at some time during the period. Those no
longer enrolled on its last day (left the school or moved to another class mid-term) are listed as left,
with the date, and are excluded from every figure; those enrolled on the last day are the class. For
the year the period runs from the first day of the grade's first term to the last day of its last.

The marks are the term marks of that term, or the annual marks (kind «annual») for the year. The columns
are the class's curriculum lines that are assessed (five-point, pass/fail, and grade 1's basic level),
in the subjects' order. Grade 1's basic-level results are shown but are not marks: they never enter the
figures (see `figures`).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.errors import DomainError
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    School,
    SchoolClass,
    Term,
    TermMark,
    TermScheme,
)
from gradebook.reports.figures import Figures, Result, Standing, figures_of, figures_sum, standing_of

SCOPES = ("school", "grade", "class")
YEAR = "year"
# Scales whose results enter the figures; basic level (grade 1) is shown but is not a mark.
COUNTED_SCALES = frozenset({AssessmentScale.FIVE_POINT, AssessmentScale.PASS_FAIL})
SHOWN_SCALES = COUNTED_SCALES | {AssessmentScale.BASIC_LEVEL}

Cell = int | str | None
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LedgerScope:
    """A ledger's parameters, checked against the database, with the labels it is known by."""

    year_id: int
    year_name: str
    scope: str
    grade: int | None
    class_id: int | None
    period: int | str  # a term id, or "year"
    scope_label: str  # «5А», «5-е классы», «школа»
    period_label: str  # «1 четверть», «год»
    scheme: str | None  # the term's scheme; None for the year

    def params(self) -> dict:
        """The normalized parameters, as stored on a report job."""
        return {
            "year": self.year_id,
            "scope": self.scope,
            "grade": self.grade,
            "class_id": self.class_id,
            "period": self.period,
        }

    @property
    def file_stem(self) -> str:
        """«Сводная ведомость 5А 1 четверть 2026-2027»: a file name without its extension."""
        return " ".join(
            (_("Summary ledger"), self.scope_label, self.period_label, self.year_name.replace("/", "-"))
        )


def ledger_scope(
    *, year: AcademicYear | int, scope: str, grade=None, class_id=None, period: int | str
) -> LedgerScope:
    """Checks the parameters (raises DomainError with a message for people). At most four queries."""
    if scope not in SCOPES:
        raise DomainError(_("Choose the whole school, a grade or a class."), code="invalid_scope")
    if not isinstance(year, AcademicYear):
        year = AcademicYear.objects.filter(pk=_int(year, "year")).first()
        if year is None:
            raise DomainError(_("No such academic year."), code="invalid_year")
    term = None
    if period != YEAR:
        term = Term.objects.filter(pk=_int(period, "period"), academic_year=year).first()
        if term is None:
            raise DomainError(_("Choose a term of this year or the whole year."), code="invalid_period")
    grade = _int(grade, "grade") if scope == "grade" else None
    class_id = _int(class_id, "class") if scope == "class" else None
    if scope == "class":
        school_class = SchoolClass.objects.filter(pk=class_id, academic_year=year).first()
        if school_class is None:
            raise DomainError(_("No such class in this year."), code="invalid_class")
        grade_of_scope, scope_label = school_class.grade, school_class.name
    elif scope == "grade":
        if not 1 <= grade <= 11:
            raise DomainError(_("The grade must be from 1 to 11."), code="invalid_grade")
        grade_of_scope, scope_label = (
            grade,
            pgettext("report scope", "grade %(grade)d classes") % {"grade": grade},
        )
    else:
        grade_of_scope, scope_label = None, _("school")
    if term is not None and grade_of_scope is not None:
        _check_scheme(year=year, grade=grade_of_scope, term=term, scope_label=scope_label)
    return LedgerScope(
        year_id=year.pk,
        year_name=year.name,
        scope=scope,
        grade=grade,
        class_id=class_id,
        period=term.pk if term else YEAR,
        scope_label=scope_label,
        period_label=str(term.label) if term else _("year"),
        scheme=term.scheme if term else None,
    )


def _int(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(
            _("Invalid report parameters."), code="invalid_parameter", details={"parameter": what}
        ) from None


def _check_scheme(*, year: AcademicYear, grade: int, term: Term, scope_label: str) -> None:
    scheme = GradeTermScheme.objects.filter(academic_year=year, grade=grade).values_list("scheme", flat=True)
    if term.scheme not in list(scheme):
        raise DomainError(
            _("%(scope)s: the terms are not %(scheme)s; choose another period.")
            % {"scope": scope_label, "scheme": TermScheme(term.scheme).label},
            code="other_scheme",
        )


# The data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectColumn:
    id: int  # the curriculum line (ClassSubject)
    name: str
    short_name: str
    scale: str


@dataclass(frozen=True, slots=True)
class StudentRow:
    id: int
    name: str  # «Фамилия Имя»
    cells: tuple[Cell, ...]  # per subject: the mark (int), a text («зач», «н/а»…), or None when unset
    standing: Standing | None  # None for a student who left: excluded from the figures
    left_on: date | None = None

    @property
    def left(self) -> bool:
        return self.left_on is not None

    @property
    def category(self) -> str:
        return self.standing.label if self.standing is not None else ""


@dataclass(frozen=True, slots=True)
class ClassLedger:
    id: int
    name: str
    grade: int
    teacher: str
    subjects: tuple[SubjectColumn, ...]
    students: tuple[StudentRow, ...]
    figures: Figures


@dataclass(frozen=True, slots=True)
class GradeTotal:
    grade: int
    label: str  # «5-е классы»
    classes: int
    figures: Figures


@dataclass(frozen=True)
class Ledger:
    school_name: str
    title: str  # «Сводная ведомость итогов успеваемости»
    scope: LedgerScope
    period_text: str  # «1 четверть 2026/2027 учебного года»
    made_on: date
    classes: tuple[ClassLedger, ...]
    grades: tuple[GradeTotal, ...]  # for the school and grade scopes
    school: Figures | None  # for the school scope

    @property
    def total(self) -> Figures:
        """The figures of the whole scope: the school's, the grade's, or the class's."""
        if self.school is not None:
            return self.school
        if self.grades:
            return self.grades[0].figures
        return self.classes[0].figures if self.classes else Figures()


def ledger(
    *,
    scope: str,
    year: AcademicYear | int,
    grade: int | None = None,
    class_id: int | None = None,
    period: int | str,
    progress: Progress | None = None,
) -> Ledger:
    """The ledger of a class, a grade or the school for a term or the year.

    A fixed number of queries (about ten) whatever the size: term marks and enrolments are read once as
    tuples, then classes are assembled one by one; `progress(done, total)` is called after each class.
    """
    checked = ledger_scope(year=year, scope=scope, grade=grade, class_id=class_id, period=period)
    return ledger_build(checked, progress=progress)


def ledger_build(checked: LedgerScope, *, progress: Progress | None = None) -> Ledger:
    classes = list(ledger_classes(checked).select_related("class_teacher").order_by("grade", "letter"))
    class_ids = [c.pk for c in classes]
    bounds = _period_bounds(checked, {c.grade for c in classes})
    subjects = _subjects(class_ids)
    members = _members(class_ids, bounds, {c.pk: c.grade for c in classes})
    results = _results(checked, class_ids)
    texts = _CellTexts()
    built = []
    for done, school_class in enumerate(classes, start=1):
        built.append(
            _class_ledger(school_class, subjects[school_class.pk], members[school_class.pk], results, texts)
        )
        if progress is not None:
            progress(done, len(classes))
    grades = _grade_totals(built) if checked.scope != "class" else ()
    return Ledger(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        title=_("Summary ledger of academic results"),
        scope=checked,
        period_text=_period_text(checked),
        made_on=timezone.localdate(),
        classes=tuple(built),
        grades=grades,
        school=figures_sum(g.figures for g in grades) if checked.scope == "school" else None,
    )


def ledger_classes(checked: LedgerScope) -> QuerySet[SchoolClass]:
    classes = SchoolClass.objects.filter(academic_year_id=checked.year_id)
    if checked.scope == "class":
        classes = classes.filter(pk=checked.class_id)
    elif checked.scope == "grade":
        classes = classes.filter(grade=checked.grade)
    if checked.scheme is not None:
        # A term belongs to one scheme: quarters for 1–9, half-years for 10–11 by default.
        same_scheme = GradeTermScheme.objects.filter(academic_year_id=checked.year_id, scheme=checked.scheme)
        classes = classes.filter(grade__in=same_scheme.values("grade"))
    return classes


def _period_bounds(checked: LedgerScope, grades: set[int]) -> dict[int, tuple[date, date]]:
    """(first day, last day) of the period for each grade: the term, or for the year the span of the
    grade's terms (the academic year's dates for a grade with no terms)."""
    if checked.period != YEAR:
        term = Term.objects.values_list("start_date", "end_date").get(pk=checked.period)
        return dict.fromkeys(grades, term)
    terms = Term.objects.filter(academic_year_id=OuterRef("academic_year_id"), scheme=OuterRef("scheme"))
    spans = {
        grade: (first, last)
        for grade, first, last in GradeTermScheme.objects.filter(academic_year_id=checked.year_id)
        .annotate(
            first=Subquery(terms.order_by("start_date").values("start_date")[:1]),
            last=Subquery(terms.order_by("-end_date").values("end_date")[:1]),
        )
        .values_list("grade", "first", "last")
        if first is not None
    }
    if grades - spans.keys():
        year_span = AcademicYear.objects.values_list("start_date", "end_date").get(pk=checked.year_id)
        spans = {g: spans.get(g, year_span) for g in grades}
    return {g: spans[g] for g in grades}


def _subjects(class_ids: list[int]) -> dict[int, list[SubjectColumn]]:
    rows = (
        ClassSubject.objects.filter(school_class_id__in=class_ids, scale__in=SHOWN_SCALES)
        .order_by("school_class_id", "subject__order", "subject__name")
        .values_list("school_class_id", "id", "subject__name", "subject__short_name", "scale")
    )
    by_class = defaultdict(list)
    for class_id, pk, name, short_name, scale in rows:
        by_class[class_id].append(SubjectColumn(pk, name, short_name, scale))
    return by_class


@dataclass(slots=True)
class _Member:
    name: str
    sort_key: tuple
    left_on: date | None


def _members(
    class_ids: list[int], bounds: dict[int, tuple[date, date]], grade_of: dict[int, int]
) -> dict[int, dict[int, _Member]]:
    """class → student → the member, for everyone enrolled at some time during the period."""
    if not bounds:
        return defaultdict(dict)
    first = min(start for start, _end in bounds.values())
    last = max(end for _start, end in bounds.values())
    rows = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first),
            school_class_id__in=class_ids,
            start_date__lte=last,
        )
        .order_by()  # sorted by name below; the default ordering would join two more tables
        .values_list(
            "school_class_id",
            "student_id",
            "start_date",
            "end_date",
            "student__last_name",
            "student__first_name",
            "student__middle_name",
        )
    )
    members: dict[int, dict[int, _Member]] = defaultdict(dict)
    for class_id, student_id, start, end, last_name, first_name, middle_name in rows:
        period_start, period_end = bounds[grade_of[class_id]]
        if start > period_end or (end is not None and end < period_start):
            continue
        here = end is None or end >= period_end
        member = members[class_id].get(student_id)
        if member is None:
            key = (
                last_name.lower().replace("ё", "е"),
                first_name.lower().replace("ё", "е"),
                middle_name,
                student_id,
            )
            members[class_id][student_id] = _Member(f"{last_name} {first_name}", key, None if here else end)
        elif member.left_on is not None:
            # Enrolled twice in the period (left and came back): the last enrolment decides.
            member.left_on = None if here else max(member.left_on, end)
    return members


_RESULTS: dict[tuple, Result] = {}
_NONE: dict[int, Result] = {}


def _results(checked: LedgerScope, class_ids: list[int]) -> dict[int, dict[int, Result]]:
    """student → curriculum line → the period's result, read as tuples in one query."""
    marks = TermMark.objects.filter(class_subject__school_class_id__in=class_ids)
    if checked.period == YEAR:
        marks = marks.filter(kind=TermMark.Kind.ANNUAL, term__isnull=True)
    else:
        marks = marks.filter(kind=TermMark.Kind.TERM, term_id=checked.period)
    found: dict[int, dict[int, Result]] = {}
    shared = _RESULTS
    rows = marks.order_by().values_list("class_subject_id", "student_id", "value", "passed", "not_attested")
    for line, student_id, value, passed, not_attested in _chunked(rows):
        key = (value, passed, not_attested)
        # A handful of distinct results: share them instead of holding one object per mark.
        result = shared.get(key) or shared.setdefault(key, Result(value, passed, not_attested))
        own = found.get(student_id)
        if own is None:
            own = found[student_id] = {}
        own[line] = result
    return found


def period_results(checked: LedgerScope, class_ids: list[int]) -> dict[tuple[int, int], Result]:
    """(curriculum line, student) → the period's result: the ledger's results, keyed for reports that look
    up one subject of one student (the class teacher's and the subject teacher's reports)."""
    return {
        (line, student_id): result
        for student_id, lines in _results(checked, class_ids).items()
        for line, result in lines.items()
    }


def _chunked(rows: QuerySet, size: int = 2000):
    """The rows of a values_list queryset of integers and booleans (fields whose values the database
    driver already gives as Python wants them: no converter of Django's is applied), made into Python
    tuples a chunk at a time, as they are used.

    Looping over a queryset keeps every row it read until the loop ends: on a big school over a hundred
    thousand tuples at once, which costs memory and makes the garbage collector walk them again and
    again (a quarter of the time of a 10,000-student ledger). `iterator()` would stream them, but on
    PostgreSQL through a server-side cursor, with a round trip per chunk and a plan chosen for the first
    rows; here the database sends the result once and only the conversion to Python is spread out."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # filtered on an empty list (a scope without classes): nothing to read
        return
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from chunk


class _CellTexts:
    """The texts of non-numeric results, translated once per build."""

    def __init__(self):
        self.not_attested = pgettext("ledger cell", "n/a")
        self.passed = pgettext("ledger cell", "pass")
        self.failed = pgettext("ledger cell", "fail")
        self.achieved = pgettext("ledger cell", "achieved")
        self.not_achieved = pgettext("ledger cell", "not achieved")

    def cell(self, result: Result | None, scale: str) -> Cell:
        if result is None:
            return None
        if result.not_attested:
            return self.not_attested
        if result.value is not None:
            return result.value
        if scale == AssessmentScale.BASIC_LEVEL:
            return self.achieved if result.passed else self.not_achieved
        return self.passed if result.passed else self.failed


def _class_ledger(
    school_class: SchoolClass,
    subjects: list[SubjectColumn],
    members: dict[int, _Member],
    results: dict[int, dict[int, Result]],
    texts: _CellTexts,
) -> ClassLedger:
    column = {s.id: i for i, s in enumerate(subjects)}
    scales = [s.scale for s in subjects]
    counted = [s.scale in COUNTED_SCALES for s in subjects]
    rows = []
    for student_id, member in sorted(members.items(), key=lambda item: item[1].sort_key):
        cells: list[Cell] = [None] * len(subjects)
        marks = []
        # The student's results in every class of the period: those in this class's columns are shown.
        for line, result in results.get(student_id, _NONE).items():
            i = column.get(line)
            if i is not None:
                # Most results are marks, shown as they are; the others are worded.
                numeric = result.value is not None and not result.not_attested
                cells[i] = result.value if numeric else texts.cell(result, scales[i])
                if counted[i]:
                    marks.append(result)
        standing = standing_of(marks) if member.left_on is None else None
        rows.append(StudentRow(student_id, member.name, tuple(cells), standing, member.left_on))
    present = [r.standing for r in rows if r.standing is not None]
    teacher = school_class.class_teacher
    return ClassLedger(
        id=school_class.pk,
        name=school_class.name,
        grade=school_class.grade,
        teacher=teacher.short_name if teacher else "",
        subjects=tuple(subjects),
        students=tuple(rows),
        figures=figures_of(present),
    )


def _grade_totals(classes: list[ClassLedger]) -> tuple[GradeTotal, ...]:
    by_grade = defaultdict(list)
    for c in classes:
        by_grade[c.grade].append(c.figures)
    return tuple(
        GradeTotal(
            g, pgettext("report scope", "grade %(grade)d classes") % {"grade": g}, len(f), figures_sum(f)
        )
        for g, f in sorted(by_grade.items())
    )


def _period_text(checked: LedgerScope) -> str:
    if checked.period == YEAR:
        return _("academic year %(year)s") % {"year": checked.year_name}
    return _("%(term)s of the academic year %(year)s") % {
        "term": checked.period_label,
        "year": checked.year_name,
    }
