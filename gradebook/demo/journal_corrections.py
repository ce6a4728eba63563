"""Corrections of the demo journal's closed first quarter, filed and decided through the services."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts.models import Student
from gradebook.demo.journal_school import JournalSchool, JournalTerm
from gradebook.demo.journal_terms import term_mark_state
from gradebook.demo.journal_writer import JournalWriter
from gradebook.journal_services import correction_request_create, correction_request_decide
from gradebook.models import AssessmentScale, ClassSubject, Lesson, Mark, Term
from gradebook.rules import suggest_term_mark

User = get_user_model()

MARK_FIXES = (
    "Техническая ошибка при вводе: в тетради стоит «{new}»",
    "Отметка перенесена из бумажного листа с ошибкой",
    "Работа перепроверена по заявлению родителей, ошибки засчитаны неверно",
    "Отметка выставлена не за ту работу, исправляю по тетради",
)
MARK_REFUSALS = (
    ("Ученик переписал работу, прошу заменить отметку на «{new}»",
     "Пересдача после закрытия четверти Положением не предусмотрена"),
    ("Ученик исправил ошибки дома, прошу повысить отметку до «{new}»",
     "Работа над ошибками не меняет отметку за работу"),
)  # fmt: skip
MARK_PENDING = (
    "Отметка поставлена по ошибке, ученик на уроке отсутствовал",
    "Перепутаны отметки двух учеников с одинаковой фамилией",
)
TERM_FIX = "Ученик сдал задолженность по темам четверти после болезни (справка прилагается)"
TERM_REFUSAL = (
    "Прошу выставить «5» за четверть: ученик — призёр муниципального этапа олимпиады",
    "Олимпиада прошла после закрытия четверти; будет учтена во 2 четверти",
)


@dataclass
class _Request:
    teacher: int
    student: int
    new: str
    reason: str
    decision: tuple[bool, str] | None  # (approve, note); None: pending
    lesson: Lesson | None = None
    line: int | None = None  # for a term mark


def corrections_create(rng, school: JournalSchool, out: JournalWriter, results: dict, until: date) -> int:
    """About ten requests on the closed first quarter, filed by teachers and mostly decided by the deputy.
    Approved term marks are updated in `results` (the annual marks follow them)."""
    first = next((t for c in school.classes for t in c.terms if t.first_quarter), None)
    if first is None or first.end > until or not out.first_quarter_lessons:
        return 0
    requests = _mark_requests(rng, school, out, first) + _term_requests(school, results, first)
    users = User.objects.in_bulk({r.teacher for r in requests})
    students = Student.objects.in_bulk({r.student for r in requests})
    lines = ClassSubject.objects.in_bulk({r.line for r in requests if r.line})
    term = Term.objects.get(pk=first.id)
    for r in requests:
        target = {"lesson": r.lesson} if r.lesson else {"class_subject": lines[r.line], "term": term}
        request = correction_request_create(
            user=users[r.teacher], student=students[r.student], new_value=r.new, reason=r.reason, **target
        )
        if r.decision is not None:
            approve, note = r.decision
            correction_request_decide(user=school.deputy, request=request, approve=approve, note=note)
            if approve and r.line:
                results[r.line, r.student, first.id] = term_mark_state(int(r.new), None, False, r.reason)
    return len(requests)


def _mark_requests(rng, school: JournalSchool, out: JournalWriter, first: JournalTerm) -> list[_Request]:
    """Fixes of lesson marks that leave the term mark as the rules suggest it, refusals, pending ones."""
    sample = rng.sample(out.first_quarter_lessons, min(60, len(out.first_quarter_lessons)))
    lessons = Lesson.objects.select_related("assignment").in_bulk(sample)
    marks = list(
        Mark.objects.filter(lesson_id__in=sample, value__isnull=False)
        .order_by("lesson_id", "student_id")
        .values_list("lesson_id", "student_id", "value")
    )
    rng.shuffle(marks)
    weights = dict(school.work.values())
    wanted = [(fix, (True, "")) for fix in MARK_FIXES] + [(ask, (False, note)) for ask, note in MARK_REFUSALS]
    requests, seen = [], set()
    for lesson_id, student, value in marks[len(MARK_PENDING) :]:
        lesson, new = lessons[lesson_id], value + 1 if value < 5 else value - 1
        key = (lesson.assignment.class_subject_id, student, first.id)
        fits = len(requests) < len(wanted) and key not in seen
        if fits and _same_suggestion(school, out.results[key], value, new, weights[lesson.work_type_id]):
            reason, decision = wanted[len(requests)]
            teacher = lesson.assignment.teacher_id
            requests.append(_Request(teacher, student, str(new), reason.format(new=new), decision, lesson))
            seen.add(key)
    for (lesson_id, student, _value), reason in zip(marks, MARK_PENDING, strict=False):
        lesson = lessons[lesson_id]
        requests.append(_Request(lesson.assignment.teacher_id, student, "", reason, None, lesson))
    return requests


def _same_suggestion(school: JournalSchool, marks: list, value: int, new: int, weight: Decimal) -> bool:
    before = [(v, w) for v, _p, w in marks]
    after = list(before)
    after[after.index((value, weight))] = (new, weight)
    rules = {"thresholds": school.thresholds, "min_marks": school.min_marks}
    return suggest_term_mark(before, **rules).result == suggest_term_mark(after, **rules).result


def _term_requests(school: JournalSchool, results: dict, first: JournalTerm) -> list[_Request]:
    """An н/а after an illness made good (approved); a «5» asked for an olympiad (rejected)."""
    lines = {line.id: line for c in school.classes for line in c.lines}
    quarter = sorted(
        (key, state)
        for key, state in results.items()
        if key[2] == first.id and lines[key[0]].scale == AssessmentScale.FIVE_POINT
    )
    requests = []
    not_attested = [key for key, state in quarter if state["not_attested"]]
    if not_attested:
        line, student, _term = not_attested[0]
        requests.append(
            _Request(lines[line].teacher_of(student), student, "3", TERM_FIX, (True, ""), line=line)
        )
    fours = [key for key, state in quarter if state["value"] == 4 and not state["reason"]]
    if fours:
        line, student, _term = fours[len(fours) // 2]
        ask, note = TERM_REFUSAL
        requests.append(
            _Request(lines[line].teacher_of(student), student, "5", ask, (False, note), line=line)
        )
    return requests
