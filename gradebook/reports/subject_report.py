"""Отчет учителя-предметника: per curriculum line (class × subject) and teacher, for a term or the year, the
distribution of the term marks (the annual marks for the year), успеваемость, качество, СОУ and the mean,
compared with the previous term; totals per subject and per teacher; and who got a «2», «н/а» or «незачёт».

Rows. One per teaching assignment of the scope's assessed curriculum lines; a subgroup's assignment counts the
subgroup's students only. A line nobody is assigned to (not yet staffed, or imported) is one row without a
teacher, shown unless the report is filtered by teacher.

Students. As in the ledger: those enrolled in the class (and in the subgroup) on the period's last day. A student
who left during the period is not counted (and not listed among the «2»).

Figures (gradebook.reports.figures, each student's only result being their mark in this subject): assessed = with
a result; успеваемость = without a «2» (or «1») and without «н/а» ÷ assessed; качество = «4» or «5» ÷ assessed;
СОУ and the mean over the marks.
- Pass/fail courses: counted as «зачёт» / «незачёт»; a «незачёт» is a failure, as in the ledger. Успеваемость is
  computed; качество, СОУ and the mean are not (there are no marks: «—»).
- Grade 1 (basic level achieved / not achieved): counted as achieved / not achieved, and the students count as
  assessed, but no figure is computed: grade 1 is taught without marks and its results never enter the figures
  (as in the ledger), in the totals either. So a total's percentages are of its marks and pass/fail results.
- The «1» column is shown only when some row has a «1» (a school that uses it).

Totals: per subject over the scope (all the math of grade 5) and per teacher (all their rows, any subject). A
total counts results — one student in one curriculum line — each once: two teachers of one whole-class line do
not count its students twice; a teacher's total over two subjects counts a student once per subject.

Comparison. For a term: the same rows in the previous term of the same scheme (quarter 1 for quarter 2), with that
term's students (enrolled on its last day) and marks; the first term has none. For the year: the last term of the
grade's scheme (quarter 4; half-year 2 in grades 10–11), the annual mark against the last term's, because that
is the mark the annual one is closest to and the deputy compares them when closing the year. The change is the
difference of the figures as shown (rounded): in percentage points, the mean in points; «—» where either is
undefined.

Scopes and access (gradebook.reports.access.subject_report_teacher): the deputy and the director any school /
grade / class, optionally one subject (`subject`, a Subject id) and one teacher (`teacher`, a user id); a class
teacher their class, all subjects; anyone else with the teacher role only their own rows — the target «mine» is
the school limited to their own assignments, and a class they neither lead nor teach, or another teacher's rows,
answer Http404 like a missing class.

Not shown: a chart. The report compares two periods, not a series; the term-by-term dynamics is another report's.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.errors import DomainError
from accounts.models import Role
from gradebook.models import (
    AssessmentScale,
    ClassSubject,
    GradeTermScheme,
    School,
    Subgroup,
    Subject,
    TeachingAssignment,
    Term,
    TermMark,
)
from gradebook.reports import access
from gradebook.reports.figures import Figures, Result, figures_of, standing_of
from gradebook.reports.ledger import (
    COUNTED_SCALES,
    SHOWN_SCALES,
    YEAR,
    LedgerScope,
    Progress,
    _int,
    _members,
    _period_bounds,
    _period_text,
    ledger_classes,
    ledger_scope,
    period_results,
)
from gradebook.reports.spec import ReportKind, class_scope_reload, document_renderers
from gradebook.reports.subject_report_layout import subject_fields, subject_report_layout, subject_targets
from gradebook.reports.versions import subject_report_version

MINE = "mine"


@dataclass(frozen=True)
class SubjectScope:
    """The checked parameters: the place and period (as the ledger's), and the subject and teacher filters."""

    place: LedgerScope
    subject_id: int | None = None
    subject_name: str = ""
    teacher_id: int | None = None
    teacher_name: str = ""

    def params(self) -> dict:
        return {**self.place.params(), "subject": self.subject_id, "teacher": self.teacher_id}

    @property
    def label(self) -> str:
        """«5А · Математика · Учитель Т.»"""
        return " · ".join(p for p in (self.place.scope_label, self.subject_name, self.teacher_name) if p)

    @property
    def file_stem(self) -> str:
        parts = (self.place.scope_label, self.subject_name, self.teacher_name, self.place.period_label)
        return " ".join(
            (_("Subject teacher report"), *(p for p in parts if p), self.place.year_name.replace("/", "-"))
        )


def subject_scope_check(*, user, params: dict) -> SubjectScope:
    """Access first (Http404 for a class the user may not see, before anything else is looked at), then the
    parameters (DomainError with a message)."""
    from gradebook.selectors import current_year

    scope = params.get("scope") or "school"
    if scope == MINE:
        scope, params = "school", {**params, "teacher": user.pk}
    teacher = access.subject_report_teacher(
        user=user, scope=scope, class_id=params.get("class_id"), teacher=params.get("teacher")
    )
    year = params.get("year") or current_year()
    if year is None:
        raise DomainError(_("There is no current academic year."), code="no_year")
    place = ledger_scope(
        year=year,
        scope=scope,
        grade=params.get("grade"),
        class_id=params.get("class_id"),
        period=params.get("period") or YEAR,
    )
    return _filtered(place, subject=params.get("subject"), teacher=teacher)


def subject_scope_reload(params: dict) -> SubjectScope:
    return _filtered(class_scope_reload(params), subject=params.get("subject"), teacher=params.get("teacher"))


def _filtered(place: LedgerScope, *, subject, teacher) -> SubjectScope:
    subject_id = subject_name = teacher_id = None
    if subject not in (None, ""):
        subject_id = _int(subject, "subject")
        subject_name = Subject.objects.filter(pk=subject_id).values_list("name", flat=True).first()
        if subject_name is None:
            raise DomainError(_("No such subject."), code="invalid_subject")
    teacher_name = ""
    if teacher not in (None, ""):
        teacher_id = _int(teacher, "teacher")
        found = get_user_model().objects.filter(pk=teacher_id).first()
        if found is None:
            raise DomainError(_("No such teacher."), code="invalid_teacher")
        teacher_name = found.short_name
    return SubjectScope(place, subject_id, subject_name or "", teacher_id, teacher_name)


# The data -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """The results of a group of students in one subject (or of a total): counts, and the figures of the
    counted scales (five-point and pass/fail)."""

    students: int
    assessed: int
    marks: tuple[int, int, int, int, int]  # how many 1s, 2s, 3s, 4s and 5s
    not_attested: int
    passed: int
    failed: int
    achieved: int  # grade 1: basic level achieved
    not_achieved: int
    figures: Figures


@dataclass(frozen=True, slots=True)
class Change:
    """now − before of the figures as shown, in percentage points (the mean in points); None if undefined."""

    success: Decimal | None
    quality: Decimal | None
    sou: Decimal | None
    mean: Decimal | None


@dataclass(frozen=True, slots=True)
class Flagged:
    """A student with a «2» («1»), «н/а» or «незачёт» in the row."""

    name: str
    result: str


@dataclass(frozen=True, slots=True)
class SubjectRow:
    class_id: int
    class_name: str
    grade: int
    subject_id: int
    subject: str
    scale: str
    teacher_id: int | None
    teacher: str  # «Учитель Т.», "" for a line nobody is assigned to
    group: str  # the subgroup's name, "" for the whole class
    now: Tally
    before: Tally | None  # the comparison period's; None when there is none
    flagged: tuple[Flagged, ...]

    @property
    def class_label(self) -> str:
        return f"{self.class_name}, {self.group}" if self.group else self.class_name

    @property
    def change(self) -> Change | None:
        return change_of(self.now, self.before)


@dataclass(frozen=True, slots=True)
class Total:
    label: str  # the subject's or the teacher's name
    rows: int
    now: Tally
    before: Tally | None

    @property
    def change(self) -> Change | None:
        return change_of(self.now, self.before)


@dataclass(frozen=True)
class SubjectReport:
    school_name: str
    scope: SubjectScope
    period_text: str
    made_on: date
    compared_with: str  # «quarter 1», «quarter 4»; "" when there is nothing to compare with
    rows: tuple[SubjectRow, ...]
    subjects: tuple[Total, ...]  # in the rows' order of subjects
    teachers: tuple[Total, ...]  # by name; rows without a teacher are in no teacher's total


def change_of(now: Tally, before: Tally | None) -> Change | None:
    if before is None:
        return None

    def diff(name: str) -> Decimal | None:
        a, b = getattr(now.figures, name), getattr(before.figures, name)
        return None if a is None or b is None else a - b

    return Change(diff("success"), diff("quality"), diff("sou"), diff("mean"))


def tally_of(entries: Iterable[tuple[str, Result | None]]) -> Tally:
    """The tally of (scale, result) pairs, one per student (None: nothing set)."""
    students = assessed = not_attested = passed = failed = achieved = not_achieved = 0
    marks = [0, 0, 0, 0, 0]
    standings = []
    for scale, result in entries:
        students += 1
        if result is None:
            continue
        assessed += 1
        if result.not_attested:
            not_attested += 1
        elif result.value is not None:
            marks[result.value - 1] += 1
        elif scale == AssessmentScale.BASIC_LEVEL:
            achieved += bool(result.passed)
            not_achieved += not result.passed
        else:
            passed += bool(result.passed)
            failed += not result.passed
        if scale in COUNTED_SCALES:
            standings.append(standing_of([result]))
    return Tally(
        students,
        assessed,
        tuple(marks),
        not_attested,
        passed,
        failed,
        achieved,
        not_achieved,
        figures_of(standings, students=students),
    )


@dataclass(frozen=True, slots=True)
class _Line:
    id: int
    class_id: int
    subject_id: int
    subject: str
    order: tuple
    scale: str


@dataclass(frozen=True, slots=True)
class _Period:
    """One period's students and results: class → student → member, and (line, student) → result."""

    members: dict
    results: dict
    grades: frozenset = frozenset()  # for a comparison period: the grades it is defined for


def subject_report_build(checked: SubjectScope, *, progress: Progress | None = None) -> SubjectReport:
    """The report in a fixed number of queries (about fifteen) whatever the size of the school."""
    place = checked.place
    classes = {
        pk: (grade, f"{grade}{letter}")
        for pk, grade, letter in ledger_classes(place).values_list("pk", "grade", "letter")
    }
    grade_of = {pk: grade for pk, (grade, _name) in classes.items()}
    lines = _lines(list(classes), checked.subject_id)
    assignments = _assignments(lines, checked.teacher_id)
    groups = _group_members({a.subgroup_id for load in assignments.values() for a in load if a.subgroup_id})
    grades = set(grade_of.values())
    now = _period(place, classes, grade_of, _period_bounds(place, grades))
    terms_before = comparison_terms(place, grades)
    before = None
    if terms_before:
        bounds = {g: (t.start_date, t.end_date) for g, t in terms_before.items()}
        compared = {pk: c for pk, c in classes.items() if grade_of[pk] in bounds}
        before = _Period(
            _members(list(compared), bounds, grade_of),
            _term_results(terms_before, compared, grade_of),
            frozenset(bounds),
        )
    rows, by_subject, by_teacher = [], {}, {}
    ordered = sorted(lines, key=lambda line: (line.order, classes[line.class_id], line.class_id))
    for done, line in enumerate(ordered, start=1):
        load = assignments.get(line.id, [])
        if not load and checked.teacher_id is None:
            load = [None]
        for assignment in load:
            group = groups.get(assignment.subgroup_id) if assignment and assignment.subgroup_id else None
            row, keys = _row(line, classes[line.class_id], assignment, group, now, before)
            rows.append(row)
            by_subject.setdefault(line.subject_id, (line.subject, []))[1].append((row, keys))
            if assignment is not None:
                by_teacher.setdefault(assignment.teacher_id, (row.teacher, []))[1].append((row, keys))
        if progress is not None:
            progress(done, len(ordered))
    return SubjectReport(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        scope=checked,
        period_text=_period_text(place),
        made_on=timezone.localdate(),
        compared_with=" / ".join(sorted({str(t.label) for t in terms_before.values()})),
        rows=tuple(rows),
        subjects=tuple(_total(label, members, now, before) for label, members in by_subject.values()),
        teachers=tuple(
            sorted(
                (_total(label, members, now, before) for label, members in by_teacher.values()),
                key=lambda t: t.label.lower(),
            )
        ),
    )


def _lines(class_ids: list[int], subject_id: int | None) -> list[_Line]:
    lines = ClassSubject.objects.filter(school_class_id__in=class_ids, scale__in=SHOWN_SCALES)
    if subject_id is not None:
        lines = lines.filter(subject_id=subject_id)
    return [
        _Line(pk, class_id, subject, name, (order, name.lower(), subject), scale)
        for pk, class_id, subject, name, order, scale in lines.values_list(
            "pk", "school_class_id", "subject_id", "subject__name", "subject__order", "scale"
        )
    ]


def _assignments(lines: list[_Line], teacher_id: int | None) -> dict[int, list[TeachingAssignment]]:
    """line → its assignments, the whole class's first, then by subgroup and teacher."""
    found = TeachingAssignment.objects.filter(
        class_subject_id__in=[line.id for line in lines]
    ).select_related("teacher", "subgroup")
    if teacher_id is not None:
        found = found.filter(teacher_id=teacher_id)
    by_line = defaultdict(list)
    for a in sorted(found, key=lambda a: (a.subgroup.name if a.subgroup_id else "", a.teacher.short_name)):
        by_line[a.class_subject_id].append(a)
    return by_line


def _group_members(subgroup_ids: set[int]) -> dict[int, set[int]]:
    members = defaultdict(set)
    rows = Subgroup.students.through.objects.filter(subgroup_id__in=subgroup_ids)
    for subgroup_id, student_id in rows.values_list("subgroup_id", "student_id"):
        members[subgroup_id].add(student_id)
    return members


def _period(place: LedgerScope, classes: dict, grade_of: dict, bounds: dict) -> _Period:
    return _Period(_members(list(classes), bounds, grade_of), period_results(place, list(classes)))


def comparison_terms(place: LedgerScope, grades: set[int]) -> dict[int, Term]:
    """grade → the term to compare with: the previous term of the same scheme for a term (none for the
    first), the last term of the grade's scheme for the year."""
    if not grades:
        return {}
    if place.period != YEAR:
        terms = {
            t.number: t for t in Term.objects.filter(academic_year_id=place.year_id, scheme=place.scheme)
        }
        current = next(t for t in terms.values() if t.pk == place.period)
        previous = terms.get(current.number - 1)
        return dict.fromkeys(grades, previous) if previous else {}
    schemes = dict(
        GradeTermScheme.objects.filter(academic_year_id=place.year_id, grade__in=grades).values_list(
            "grade", "scheme"
        )
    )
    last = {}
    for term in Term.objects.filter(academic_year_id=place.year_id).order_by("number"):
        last[term.scheme] = term
    return {g: last[schemes[g]] for g in grades if schemes.get(g) in last}


def _term_results(terms: dict[int, Term], classes: dict, grade_of: dict) -> dict[tuple[int, int], Result]:
    """(line, student) → the result of the comparison term of the line's grade, in one query."""
    term_of_class = {pk: terms[grade_of[pk]].pk for pk in classes}
    marks = TermMark.objects.filter(
        kind=TermMark.Kind.TERM,
        term_id__in={t.pk for t in terms.values()},
        class_subject__school_class_id__in=list(classes),
    ).values_list(
        "term_id",
        "class_subject__school_class_id",
        "class_subject_id",
        "student_id",
        "value",
        "passed",
        "not_attested",
    )
    return {
        (line, student): Result(value, passed, not_attested)
        for term_id, class_id, line, student, value, passed, not_attested in marks
        if term_of_class[class_id] == term_id
    }


def _present(members: dict, group: set[int] | None) -> list[tuple[int, str]]:
    """(student, name) of the class's (or the subgroup's) students at the end of the period, by name."""
    present = [
        (m.sort_key, student, m.name)
        for student, m in members.items()
        if m.left_on is None and (group is None or student in group)
    ]
    return [(student, name) for _key, student, name in sorted(present)]


def _row(line: _Line, school_class, assignment, group, now: _Period, before: _Period | None):
    """The row and the (line, student) keys of its results now and before, for the totals."""
    grade, class_name = school_class
    students = _present(now.members.get(line.class_id, {}), group)
    found = [now.results.get((line.id, s)) for s, _name in students]
    keys_before = []
    tally_before = None
    if before is not None and grade in before.grades:
        keys_before = [(line.id, s) for s, _n in _present(before.members.get(line.class_id, {}), group)]
        tally_before = tally_of((line.scale, before.results.get(k)) for k in keys_before)
    row = SubjectRow(
        class_id=line.class_id,
        class_name=class_name,
        grade=grade,
        subject_id=line.subject_id,
        subject=line.subject,
        scale=line.scale,
        teacher_id=assignment.teacher_id if assignment else None,
        teacher=assignment.teacher.short_name if assignment else "",
        group=assignment.subgroup.name if assignment and assignment.subgroup_id else "",
        now=tally_of((line.scale, r) for r in found),
        before=tally_before,
        flagged=tuple(
            Flagged(name, text)
            for (_s, name), r in zip(students, found, strict=True)
            if (text := _flag(r, line.scale))
        ),
    )
    keys_now = [((line.id, s), line.scale) for s, _name in students]
    return row, (keys_now, [(k, line.scale) for k in keys_before])


def _flag(result: Result | None, scale: str) -> str:
    if result is None:
        return ""
    if result.not_attested:
        return pgettext("ledger cell", "n/a")
    if result.value is not None:
        return str(result.value) if result.value < 3 else ""
    if scale == AssessmentScale.PASS_FAIL and result.passed is False:
        return pgettext("ledger cell", "fail")
    return ""


def _total(label: str, members: list, now: _Period, before: _Period | None) -> Total:
    """A total over rows: each (line, student) result once."""
    keys_now, keys_before = {}, {}
    for _shown, (row_now, row_before) in members:
        keys_now.update(row_now)
        keys_before.update(row_before)
    tally_now = tally_of((scale, now.results.get(key)) for key, scale in keys_now.items())
    tally_before = None
    if before is not None:
        tally_before = tally_of((scale, before.results.get(key)) for key, scale in keys_before.items())
    return Total(label, len(members), tally_now, tally_before)


# The kind -----------------------------------------------------------------------------------------------


SUBJECT_REPORT = ReportKind(
    slug="subject-results",
    label=gettext_lazy("Subject teacher report"),
    description=gettext_lazy(
        "Per class and subject: the marks, success, quality, SOU and the mean, compared with the previous "
        "term; totals per subject and per teacher; who has a «2» or «n/a»."
    ),
    roles=(*access.REPORTERS, Role.TEACHER),
    check=subject_scope_check,
    reload=subject_scope_reload,
    data_version=subject_report_version,
    build=subject_report_build,
    renderers=document_renderers(subject_report_layout),
    layout=subject_report_layout,
    targets=subject_targets,
    extra_params=("subject", "teacher"),
    extra_fields=subject_fields,
    order=30,
)
