"""The demo journal's term and annual marks, and the closed terms."""

from collections import defaultdict
from datetime import date, datetime, time

from django.utils import timezone

from gradebook.demo.journal_school import JournalClass, JournalLine, JournalSchool
from gradebook.demo.journal_students import StudentPlan
from gradebook.demo.journal_writer import HISTORY, TERM_MARK, JournalWriter, history_row, insert_rows
from gradebook.journal_services import term_close
from gradebook.models import AssessmentScale, JournalHistory, Term, TermMark
from gradebook.rules import NOT_ATTESTED, suggest_annual_mark, suggest_term_mark

OVERRIDES = ("учтена олимпиада", "учтены результаты итоговой работы", "учтена работа на уроках")
ILLNESS_OVERRIDE = "пропуски по болезни, сдал(а) зачёт по темам четверти"


def term_marks_create(rng, school: JournalSchool, students, until: date, out: JournalWriter) -> dict:
    """Term marks of the terms that ended by `until` (grades 2–11); returns (line, student, term) → state."""
    rows, results = [], {}
    for school_class in school.classes:
        if school_class.obj.grade < 2:
            continue
        for term in (t for t in school_class.terms if t.end <= until):
            for line, student in _graded(school_class, term.end):
                marks = out.results.get((line.id, student, term.id), [])
                state, suggested = _term_result(rng, school, line, students[student], marks)
                results[line.id, student, term.id] = state
                rows.append((line, student, term.id, TermMark.Kind.TERM, state, suggested, term.end))
    _term_marks_write(rows, out)
    return results


def annual_marks_create(school: JournalSchool, results: dict, until: date, out: JournalWriter) -> None:
    """Annual marks of the classes whose terms have all ended, from the term marks as corrected."""
    rows = []
    for school_class in school.classes:
        if school_class.obj.grade < 2 or not school_class.terms or school_class.terms[-1].end > until:
            continue
        last = school_class.terms[-1].end
        for line, student in _graded(school_class, last):
            terms = [results[key] for t in school_class.terms if (key := (line.id, student, t.id)) in results]
            state, suggested = _annual_result(school, line, terms)
            rows.append((line, student, None, TermMark.Kind.ANNUAL, state, suggested, last))
    _term_marks_write(rows, out)


def _graded(school_class: JournalClass, day: date):
    """(line, student) for every assessed line and every student in the class on `day`."""
    members = sorted(set(school_class.members_on(day)))
    for line in school_class.lines:
        if line.scale in (AssessmentScale.FIVE_POINT, AssessmentScale.PASS_FAIL) and line.assignments:
            for student in members:
                yield line, student


def _term_result(
    rng, school: JournalSchool, line: JournalLine, student: StudentPlan, marks: list
) -> tuple[dict, str]:
    """(state, suggestion): what the rules suggest, set otherwise with a reason about once in a hundred."""
    if line.scale == AssessmentScale.PASS_FAIL:
        if not marks:
            return term_mark_state(None, None, True), ""
        return term_mark_state(
            None, sum(1 for _v, passed, _w in marks if passed) * 2 >= len(marks), False
        ), ""
    values = [(value, weight) for value, _p, weight in marks]
    suggestion = suggest_term_mark(values, thresholds=school.thresholds, min_marks=school.min_marks)
    result = suggestion.result
    if result == NOT_ATTESTED:
        if student.profile == "ill" and values and rng.random() < 0.15:
            value = max(3, school.thresholds.round(suggestion.mean))
            return term_mark_state(value, None, False, ILLNESS_OVERRIDE), result
        return term_mark_state(None, None, True), result
    if result != "5" and rng.random() < 0.01:
        return term_mark_state(int(result) + 1, None, False, rng.choice(OVERRIDES)), result
    return term_mark_state(int(result), None, False), result


def _annual_result(school: JournalSchool, line: JournalLine, terms: list[dict]) -> tuple[dict, str]:
    if line.scale == AssessmentScale.PASS_FAIL:
        passed = [t["passed"] for t in terms if not t["not_attested"]]
        return (
            term_mark_state(None, all(passed), False) if passed else term_mark_state(None, None, True)
        ), ""
    texts = [NOT_ATTESTED if t["not_attested"] else str(t["value"]) for t in terms]
    result = suggest_annual_mark(texts, thresholds=school.thresholds).result
    return (
        term_mark_state(None, None, True)
        if result == NOT_ATTESTED
        else term_mark_state(int(result), None, False)
    ), result


def term_mark_state(value, passed, not_attested: bool, reason: str = "") -> dict:
    """A term mark in the history's shape (journal_services._term_mark_state)."""
    return {"value": value, "passed": passed, "not_attested": not_attested, "reason": reason}


def _term_marks_write(rows: list[tuple], out: JournalWriter) -> None:
    """Term or annual marks as term_mark_set writes them (suggested, overridden), with their history."""
    if not rows:
        return
    tz, prepared, written = timezone.get_current_timezone(), [], {}
    for line, student, term, kind, state, suggested, day in rows:
        moment = min(datetime.combine(day, time(16 if kind == TermMark.Kind.TERM else 17), tz), out.now)
        at, teacher = out.db_value(TermMark, "updated_at", moment), line.teacher_of(student)
        written[line.id, student, term, kind] = (at, teacher, state)
        result = NOT_ATTESTED if state["not_attested"] else str(state["value"] or "")
        state_columns = (state["value"], state["passed"], state["not_attested"], suggested)
        overridden = bool(suggested) and result != suggested
        prepared.append(
            (line.id, student, term, kind, *state_columns, overridden, state["reason"], 1, at, teacher)
        )
    insert_rows(TermMark, TERM_MARK, prepared)
    history = []
    rows_written = TermMark.objects.filter(
        class_subject_id__in={row[0].id for row in rows}, kind__in={row[3] for row in rows}
    ).values_list("pk", "class_subject", "student", "term", "kind")
    for pk, line_id, student, term, kind in rows_written:
        at, teacher, state = written[line_id, student, term, kind]
        new = out.json(state)
        history.append(
            history_row(at, teacher, "term_mark", pk, None, line_id, student, None, new, state["reason"])
        )
    insert_rows(JournalHistory, HISTORY, history)


def close_terms(school: JournalSchool, until: date) -> int:
    """The deputy closes every ended term for grades 2–11 (grade 1 has no term marks)."""
    classes = defaultdict(list)
    for school_class in school.classes:
        if school_class.obj.grade >= 2:
            for term in school_class.terms:
                if term.end <= until:
                    classes[term.id].append(school_class.obj)
    terms = Term.objects.in_bulk(list(classes))
    return sum(
        len(term_close(user=school.deputy, term=terms[term_id], classes=in_term))
        for term_id, in_term in sorted(classes.items())
    )
