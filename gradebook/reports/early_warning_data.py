"""Лидеры и отстающие / раннее предупреждение: who leads and who is at risk now, for a class, a grade or the
school, in the current term (each grade's own: quarters for 1–9, half-years for 10–11) or a chosen one.

"Now" is the day `on` (today by default): the marks and lessons of the term up to that day count. For a term
that ended before `on`, the whole term counts and the term is "ended". The students are those enrolled in
the class on the last day that counts; a student who arrived during the term counts from their first day.

The journal's rule decides every mark figure: the weighted mean and the suggested term mark are
`gradebook.rules.suggest_from_sums` (what `suggest_term_mark` computes over a list, here over SQL sums), with
the school's thresholds and minimum number of marks (`calendar.policy()`).

Leaders (per class for a class, per grade for a grade and for the school): in a running term, the mean of
the student's current weighted means (as the journal shows them, from the first mark) over their five-point
subjects; in an ended term, the mean of their five-point term marks, the weighted means breaking ties. A
student is ranked only with such a result in at least half of their five-point subjects that have had
lessons, so a single early mark does not make a leader. Means
are compared rounded to two decimals (as shown); equal results share a place (1, 1, 3) and are listed by
name; the top RULES.leaders places are shown, with everyone tied at the last place.

At risk: one row per student × subject × reason (a student may have several):
- failing: the suggested term mark is «2» (at least the minimum number of marks, mean below the «3» line);
- few marks: fewer marks than the minimum, once at least half of the student's part of the term has passed
  and the subject has had lessons; the days left in the term are shown;
- absences: at least RULES.absence_share % of the student's lessons in the subject missed (absent, ill or
  excused: «н», «б», «уп»; late «оп» is not a missed lesson), over at least RULES.min_lessons lessons;
- falling: the weighted mean (with the minimum number of marks) is at least RULES.drop below the student's
  term mark in the same subject in the previous term (the latest term that ended in the
  RULES.previous_window_days before this one began: last year's final quarter for the first one).
The thresholds are module constants (`RULES`), not GradingPolicy fields, for now.

A fixed number of queries whatever the size (about fifteen): marks, absences and lessons are aggregated or
read as tuples once for the whole scope.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import Count, DecimalField, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gradebook import calendar
from gradebook.models import (
    AssessmentScale,
    Attendance,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    Lesson,
    Mark,
    School,
    Subgroup,
    TeachingAssignment,
    Term,
    TermMark,
    WorkType,
)
from gradebook.reports.ledger import YEAR, LedgerScope, Progress, ledger_classes
from gradebook.rules import suggest_from_sums

NOW = "now"  # the period parameter for "the current term of each grade"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class WarningRules:
    absence_share: int = 30  # % of the student's lessons in the subject missed
    min_lessons: int = 5  # fewer lessons than this: no absence share is judged
    under_way: Decimal = Decimal("0.5")  # share of the student's part of the term passed before «few marks»
    drop: Decimal = Decimal("0.5")  # fall of the mean below the previous term mark
    previous_window_days: int = 120  # how far back the previous term may have ended (the summer holidays)
    leaders: int = 10  # places shown per class (class scope) or per grade


RULES = WarningRules()


class Reason(StrEnum):
    FAILING = "failing"
    FEW_MARKS = "few_marks"
    ABSENCES = "absences"
    FALLING = "falling"


REASON_LABELS = {
    Reason.FAILING: gettext_lazy("Suggested «2»"),
    Reason.FEW_MARKS: gettext_lazy("Too few marks"),
    Reason.ABSENCES: gettext_lazy("Many absences"),
    Reason.FALLING: gettext_lazy("Falling"),
}


# The parameters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarningScope:
    """The checked parameters: the classes (a LedgerScope whose period is a term id, or YEAR for "now") and
    the day the report is made for."""

    scope: LedgerScope
    on: date

    @property
    def now(self) -> bool:
        return self.scope.period == YEAR

    def params(self) -> dict:
        params = self.scope.params()
        params["period"] = NOW if self.now else self.scope.period
        params["on"] = self.on.isoformat()
        return params

    @property
    def period_label(self) -> str:
        return _("current term") if self.now else self.scope.period_label

    @property
    def file_stem(self) -> str:
        return " ".join((_("Early warning"), self.scope.scope_label, self.period_label, self.on.isoformat()))


# The data ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """The part of a class's term that counts: from `start` to `as_of` (`on`, or the term's end)."""

    term_id: int
    label: str  # «2 четверть»
    start: date
    end: date
    as_of: date
    days_left: int  # school days are not counted: calendar days from `on` to the term's end
    ended: bool


@dataclass(frozen=True, slots=True)
class AtRisk:
    student_id: int
    student: str
    subject: str
    teacher: str  # the subject's teacher(s) of the student: their subgroup's
    reason: Reason
    marks: int = 0
    mean: Decimal | None = None  # the weighted mean (exact)
    lessons: int = 0  # lessons held for the student so far
    missed: int = 0
    share: Decimal | None = None  # missed ÷ lessons, %
    days_left: int = 0
    previous: int | None = None  # the previous term's mark (falling)
    previous_term: str = ""
    drop: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ClassWarnings:
    id: int
    name: str
    grade: int
    teacher: str
    window: Window
    students: int
    rows: tuple[AtRisk, ...]

    def count(self, reason: Reason) -> int:
        return sum(1 for r in self.rows if r.reason == reason)

    @property
    def at_risk(self) -> int:
        return len({r.student_id for r in self.rows})


@dataclass(frozen=True, slots=True)
class Leader:
    place: int
    student_id: int
    student: str
    class_name: str
    class_teacher: str
    score: Decimal  # rounded to two decimals: the mean of the weighted means, or of the term marks
    subjects: int  # how many subjects the score is over
    weighted: Decimal | None  # the mean of the weighted means (the tie-break when ranked by term marks)


@dataclass(frozen=True, slots=True)
class LeaderGroup:
    label: str  # «5А», «5-е классы»
    by_term_marks: bool
    leaders: tuple[Leader, ...]


@dataclass(frozen=True)
class EarlyWarning:
    school_name: str
    scope: WarningScope
    made_on: date
    min_marks: int
    three: Decimal  # the weighted mean from which «3» is suggested
    classes: tuple[ClassWarnings, ...]
    leaders: tuple[LeaderGroup, ...]


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    name: str
    key: tuple
    since: date  # the first day of the term that counts for the student


@dataclass(frozen=True, slots=True)
class _Subject:
    id: int
    subject_id: int
    name: str
    five_point: bool


@dataclass(frozen=True, slots=True)
class _Previous:
    end: date
    value: int
    label: str


@dataclass
class _Facts:
    """Everything read for the scope, keyed for the per-student loop."""

    subjects: dict[int, list[_Subject]]
    teaching: dict[int, list[tuple[int, int | None, str]]]  # class subject → (assignment, subgroup, teacher)
    groups: dict[int, set[int]]  # subgroup → students
    lesson_days: dict[int, list[date]]  # assignment → the days of its lessons in the window, sorted
    sums: dict[tuple[int, int], tuple[int, Decimal, Decimal]]  # (class subject, student) → n, Σvw, Σw
    missed: dict[tuple[int, int], int]
    previous: dict[tuple[int, int], list[_Previous]]  # (student, subject) → previous term marks
    term_marks: dict[tuple[int, int], int]  # ended terms: (class subject, student) → the term mark


def early_warning_build(checked: WarningScope, *, progress: Progress | None = None) -> EarlyWarning:
    policy = calendar.policy()
    classes = list(ledger_classes(checked.scope).select_related("class_teacher").order_by("grade", "letter"))
    windows = _windows(checked, classes)
    classes = [c for c in classes if c.pk in windows]
    members = _members(windows)
    facts = _read(windows, members)
    built, candidates = [], defaultdict(list)
    for done, school_class in enumerate(classes, start=1):
        window = windows[school_class.pk]
        teacher = school_class.class_teacher.short_name if school_class.class_teacher else ""
        rows = []
        for member in members.get(school_class.pk, []):
            found, standing = _student(member, school_class.pk, window, facts, policy)
            rows += found
            if standing is not None:
                group = school_class.pk if checked.scope.scope == "class" else school_class.grade
                candidates[group].append((standing, member, school_class.name, teacher))
        built.append(
            ClassWarnings(
                school_class.pk,
                school_class.name,
                school_class.grade,
                teacher,
                window,
                len(members.get(school_class.pk, [])),
                tuple(rows),
            )
        )
        if progress is not None:
            progress(done, len(classes))
    return EarlyWarning(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        scope=checked,
        made_on=timezone.localdate(),
        min_marks=policy.min_marks,
        three=policy.thresholds.three,
        classes=tuple(built),
        leaders=_leader_groups(checked, candidates),
    )


def _windows(checked: WarningScope, classes) -> dict[int, Window]:
    on = checked.on
    if not checked.now:
        window = _window(Term.objects.get(pk=checked.scope.period), on)
        return {c.pk: window for c in classes}
    year_id = checked.scope.year_id
    schemes = dict(GradeTermScheme.objects.filter(academic_year_id=year_id).values_list("grade", "scheme"))
    terms = defaultdict(list)
    for term in Term.objects.filter(academic_year_id=year_id).order_by("start_date", "number"):
        terms[term.scheme].append(term)
    by_grade: dict[int, Window | None] = {}
    for c in classes:
        if c.grade not in by_grade:
            term = _current_term(terms.get(schemes.get(c.grade), []), on)
            by_grade[c.grade] = _window(term, on) if term else None
    return {c.pk: by_grade[c.grade] for c in classes if by_grade[c.grade] is not None}


def _current_term(terms: list[Term], on: date) -> Term | None:
    """The term containing the day; in the holidays the one that ended last; before the first, the first."""
    for term in terms:
        if term.start_date <= on <= term.end_date:
            return term
    ended = [t for t in terms if t.end_date < on]
    return ended[-1] if ended else (terms[0] if terms else None)


def _window(term: Term, on: date) -> Window:
    return Window(
        term.pk,
        str(term.label),
        term.start_date,
        term.end_date,
        min(on, term.end_date),
        max(0, (term.end_date - on).days),
        on > term.end_date,
    )


def _members(windows: dict[int, Window]) -> dict[int, list[_Member]]:
    """class → its students on the last day that counts, in the ledger's order of names."""
    if not windows:
        return {}
    first = min(w.start for w in windows.values())
    last = max(w.as_of for w in windows.values())
    rows = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first), school_class_id__in=windows, start_date__lte=last
    ).values_list(
        "school_class_id",
        "student_id",
        "start_date",
        "end_date",
        "student__last_name",
        "student__first_name",
        "student__middle_name",
    )
    found: dict[int, dict[int, _Member]] = defaultdict(dict)
    for class_id, student_id, start, end, last_name, first_name, middle_name in rows:
        window = windows[class_id]
        if start > window.as_of or (end is not None and end < window.as_of):
            continue
        key = (
            last_name.lower().replace("ё", "е"),
            first_name.lower().replace("ё", "е"),
            middle_name,
            student_id,
        )
        found[class_id][student_id] = _Member(
            student_id, f"{last_name} {first_name}", key, max(start, window.start)
        )
    return {c: sorted(m.values(), key=lambda m: m.key) for c, m in found.items()}


def _in_windows(windows: dict[int, Window], prefix: str) -> Q:
    """Lessons of the scope's classes inside their windows (a few distinct windows: quarters, half-years)."""
    spans: dict[tuple[date, date], list[int]] = defaultdict(list)
    for class_id, window in windows.items():
        spans[window.start, window.as_of].append(class_id)
    q = Q(pk__in=[])
    for (start, as_of), class_ids in spans.items():
        q |= Q(
            **{
                f"{prefix}assignment__class_subject__school_class_id__in": class_ids,
                f"{prefix}date__gte": start,
                f"{prefix}date__lte": as_of,
            }
        )
    return q


def _read(windows: dict[int, Window], members: dict[int, list[_Member]]) -> _Facts:
    class_ids = list(windows)
    subjects: dict[int, list[_Subject]] = defaultdict(list)
    for pk, class_id, subject_id, name, scale in (
        ClassSubject.objects.filter(school_class_id__in=class_ids)
        .exclude(scale=AssessmentScale.NONE)
        .order_by("school_class_id", "subject__order", "subject__name")
        .values_list("pk", "school_class_id", "subject_id", "subject__name", "scale")
    ):
        subjects[class_id].append(_Subject(pk, subject_id, name, scale == AssessmentScale.FIVE_POINT))
    teaching = defaultdict(list)
    for a in (
        TeachingAssignment.objects.filter(class_subject__school_class_id__in=class_ids)
        .select_related("teacher")
        .order_by("class_subject_id", "subgroup_id", "teacher__last_name", "pk")
    ):
        teaching[a.class_subject_id].append((a.pk, a.subgroup_id, a.teacher.short_name))
    groups = defaultdict(set)
    for subgroup_id, student_id in Subgroup.students.through.objects.filter(
        subgroup__school_class_id__in=class_ids
    ).values_list("subgroup_id", "student_id"):
        groups[subgroup_id].add(student_id)
    lesson_days = defaultdict(list)
    for assignment_id, day in (
        Lesson.objects.filter(_in_windows(windows, "")).order_by("date").values_list("assignment_id", "date")
    ):
        lesson_days[assignment_id].append(day)
    return _Facts(
        subjects=subjects,
        teaching=teaching,
        groups=groups,
        lesson_days=lesson_days,
        sums=_mark_sums(windows),
        missed=_missed(windows),
        previous=_previous(windows),
        term_marks=_term_marks(windows),
    )


def _mark_sums(windows: dict[int, Window]) -> dict[tuple[int, int], tuple[int, Decimal, Decimal]]:
    """(class subject, student) → the number of five-point marks, Σ(value × weight) and Σ(weight)."""
    weight = WorkType._meta.get_field("weight")
    exact = Decimal(1).scaleb(-weight.decimal_places)  # SQLite sums decimals as floats: back to the field's
    rows = (
        Mark.objects.filter(_in_windows(windows, "lesson__"), value__isnull=False)
        .values("lesson__assignment__class_subject_id", "student_id")
        .annotate(
            n=Count("id"),
            weighted=Sum(
                F("value") * F("lesson__work_type__weight"),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            ),
            weights=Sum(
                "lesson__work_type__weight", output_field=DecimalField(max_digits=12, decimal_places=2)
            ),
        )
        .values_list("lesson__assignment__class_subject_id", "student_id", "n", "weighted", "weights")
    )
    return {
        (cs, student): (n, Decimal(weighted).quantize(exact), Decimal(weights).quantize(exact))
        for cs, student, n, weighted, weights in rows
    }


def _missed(windows: dict[int, Window]) -> dict[tuple[int, int], int]:
    rows = (
        Attendance.objects.filter(_in_windows(windows, "lesson__"))
        .exclude(kind=Attendance.Kind.LATE)
        .values("lesson__assignment__class_subject_id", "student_id")
        .annotate(n=Count("id"))
        .values_list("lesson__assignment__class_subject_id", "student_id", "n")
    )
    return {(cs, student): n for cs, student, n in rows}


def _previous(windows: dict[int, Window]) -> dict[tuple[int, int], list[_Previous]]:
    """(student, subject) → the student's term marks of the terms that ended shortly before the windows."""
    if not windows:
        return {}
    latest = max(w.start for w in windows.values())
    earliest = min(w.start for w in windows.values()) - timedelta(days=RULES.previous_window_days)
    students = Enrolment.objects.filter(school_class_id__in=list(windows)).values("student_id")
    found, labels = defaultdict(list), {}
    for student_id, subject_id, end, scheme, number, value in TermMark.objects.filter(
        kind=TermMark.Kind.TERM,
        value__isnull=False,
        student_id__in=students,
        term__end_date__lt=latest,
        term__end_date__gte=earliest,
    ).values_list(
        "student_id", "class_subject__subject_id", "term__end_date", "term__scheme", "term__number", "value"
    ):
        label = labels.get((scheme, number)) or labels.setdefault(
            (scheme, number), str(Term(scheme=scheme, number=number).label)
        )
        found[student_id, subject_id].append(_Previous(end, value, label))
    return found


def _term_marks(windows: dict[int, Window]) -> dict[tuple[int, int], int]:
    ended = {w.term_id: [] for w in windows.values() if w.ended}
    for class_id, window in windows.items():
        if window.ended:
            ended[window.term_id].append(class_id)
    if not ended:
        return {}
    q = Q(pk__in=[])
    for term_id, class_ids in ended.items():
        q |= Q(term_id=term_id, class_subject__school_class_id__in=class_ids)
    rows = TermMark.objects.filter(
        q, kind=TermMark.Kind.TERM, value__isnull=False, class_subject__scale=AssessmentScale.FIVE_POINT
    ).values_list("class_subject_id", "student_id", "value")
    return {(cs, student): value for cs, student, value in rows}


# One student ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Standing:
    """What ranks a student among the leaders."""

    score: Decimal
    subjects: int
    weighted: Decimal | None
    by_term_marks: bool


def _lessons_between(days: list[date], start: date, end: date) -> int:
    from bisect import bisect_left, bisect_right

    return bisect_right(days, end) - bisect_left(days, start)


def _elapsed(member: _Member, window: Window) -> Decimal:
    length = (window.end - member.since).days + 1
    if length <= 0:
        return Decimal(1)
    return Decimal(max(0, (window.as_of - member.since).days + 1)) / length


def _student(member: _Member, class_id: int, window: Window, facts: _Facts, policy):
    """The student's at-risk rows in every subject, and their standing among the leaders (or None)."""
    rows: list[AtRisk] = []
    means, marks, five_point = [], [], 0
    under_way = _elapsed(member, window) >= RULES.under_way
    for subject in facts.subjects.get(class_id, []):
        mine = [
            t
            for t in facts.teaching.get(subject.id, [])
            if t[1] is None or member.id in facts.groups.get(t[1], ())
        ]
        held = sum(
            _lessons_between(facts.lesson_days.get(t[0], []), member.since, window.as_of) for t in mine
        )
        if not held:
            continue
        base = {
            "student_id": member.id,
            "student": member.name,
            "subject": subject.name,
            "teacher": ", ".join(dict.fromkeys(t[2] for t in mine)),
            "lessons": held,
            "days_left": window.days_left,
        }
        missed = facts.missed.get((subject.id, member.id), 0)
        if subject.five_point:
            five_point += 1
            count, weighted, weights = facts.sums.get((subject.id, member.id), (0, Decimal(0), Decimal(0)))
            suggestion = suggest_from_sums(
                count=count,
                weighted_sum=weighted,
                weight_total=weights,
                thresholds=policy.thresholds,
                min_marks=policy.min_marks,
            )
            mean = suggestion.mean
            found = {**base, "marks": count, "mean": mean}
            if suggestion.result == "2":
                rows.append(AtRisk(**found, reason=Reason.FAILING))
            if count < policy.min_marks and under_way:
                rows.append(AtRisk(**found, reason=Reason.FEW_MARKS))
            if mean is not None:
                means.append(mean)
            if count >= policy.min_marks:
                previous = _previous_of(facts.previous.get((member.id, subject.subject_id), []), window)
                if previous is not None and previous.value - mean >= RULES.drop:
                    rows.append(
                        AtRisk(
                            **found,
                            reason=Reason.FALLING,
                            previous=previous.value,
                            previous_term=previous.label,
                            drop=previous.value - mean,
                        )
                    )
            term_mark = facts.term_marks.get((subject.id, member.id))
            if term_mark is not None:
                marks.append(term_mark)
        if held >= RULES.min_lessons and missed * 100 >= RULES.absence_share * held:
            share = (Decimal(missed) * 100 / held).quantize(CENT, rounding=ROUND_HALF_UP)
            rows.append(AtRisk(**base, reason=Reason.ABSENCES, missed=missed, share=share))
    return rows, _standing(means, marks, five_point, window.ended)


def _previous_of(previous: list[_Previous], window: Window) -> _Previous | None:
    """The latest term mark of a term that ended before this one began, within the window of days."""
    earliest = window.start - timedelta(days=RULES.previous_window_days)
    before = [p for p in previous if earliest <= p.end < window.start]
    return max(before, key=lambda p: p.end) if before else None


def _rounded_mean(values: list) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def _standing(means: list[Decimal], marks: list[int], five_point: int, ended: bool) -> _Standing | None:
    """Ranked only with a result in at least half of the five-point subjects that had lessons."""
    counted = marks if ended else means
    if not counted or len(counted) * 2 < five_point:
        return None
    weighted = _rounded_mean(means) if means else None
    if ended:
        return _Standing(_rounded_mean([Decimal(m) for m in marks]), len(marks), weighted, True)
    return _Standing(weighted, len(means), None, False)


def _leader_groups(checked: WarningScope, candidates) -> tuple[LeaderGroup, ...]:
    groups = []
    for key in sorted(candidates):
        found = candidates[key]
        if checked.scope.scope == "class":
            label = found[0][2]
        else:
            label = pgettext("report scope", "grade %(grade)d classes") % {"grade": key}
        found.sort(key=lambda c: (-c[0].score, -(c[0].weighted or 0), c[1].key))
        leaders, place = [], 0
        for i, (standing, member, class_name, teacher) in enumerate(found):
            previous = found[i - 1][0] if i else None
            if previous is None or (previous.score, previous.weighted) != (standing.score, standing.weighted):
                place = i + 1
            if place > RULES.leaders:
                break
            leaders.append(
                Leader(
                    place,
                    member.id,
                    member.name,
                    class_name,
                    teacher,
                    standing.score,
                    standing.subjects,
                    standing.weighted,
                )
            )
        groups.append(LeaderGroup(label, found[0][0].by_term_marks, tuple(leaders)))
    return tuple(groups)
