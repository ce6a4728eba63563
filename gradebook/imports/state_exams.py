"""Import of state exam results (ГИА: ОГЭ, ЕГЭ, ГВЭ) from the protocols the regional centre sends.

A student is found by name and date of birth and must be in the named class of the current year; the
result is written through `state_exam_result_set`, which holds the rules. A result is recognised by
student, subject, exam and date, so a second import of the same file changes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from accounts.models import Student
from gradebook.exam_services import state_exam_result_set
from gradebook.imports import columns
from gradebook.imports.columns import BIRTH_DATE, FIRST_NAME, LAST_NAME, MIDDLE_NAME, SUBJECT, Person, dmy
from gradebook.imports.plan import Column, Context, KindSpec, Outcome, Problems, Row, RowAction, norm, refuse
from gradebook.models import Enrolment, SchoolClass, StateExamResult, Subject

Kind = StateExamResult.Kind
EXAM_WORDS = {
    **dict.fromkeys(map(norm, ("ОГЭ", "OGE")), Kind.OGE),
    **dict.fromkeys(map(norm, ("ЕГЭ", "EGE")), Kind.EGE),
    **dict.fromkeys(map(norm, ("ГВЭ", "GVE")), Kind.GVE),
}


@dataclass(frozen=True)
class _ExamLine:
    person: Person
    birth_date: date | None
    school_class: SchoolClass | None
    kind: str | None
    subject: Subject | None
    exam_date: date | None
    primary_score: int | None
    test_score: int | None
    mark: int | None

    def scores(self) -> tuple:
        return (self.primary_score, self.test_score, self.mark)


def _kind(problems: Problems) -> str | None:
    word = problems.required("kind")
    # «OГЭ» typed with a Latin O is meant as ОГЭ
    kind = EXAM_WORDS.get(norm(word)) or EXAM_WORDS.get(norm(columns.letter(word)))
    if word and kind is None:
        problems.add("unknown_exam", _("Unknown exam «%(exam)s». Possible: ОГЭ, ЕГЭ, ГВЭ.") % {"exam": word})
    return kind


def _subject(problems: Problems) -> Subject | None:
    name = problems.required("subject")
    subject = columns.find_subject(name) if name else None
    if name and subject is None:
        problems.add(
            "unknown_subject", _("There is no subject «%(name)s» in the school's list.") % {"name": name}
        )
    return subject


def _score(problems: Problems, key: str, *, required: bool) -> int | None:
    text = problems.required(key) if required else problems.row.text(key)
    if not text:
        return None
    if not text.isdigit():
        problems.add(
            "invalid_score",
            _("«%(column)s» must be a whole number, e.g. 15.")
            % {"column": problems.row.headers.get(key, key)},
        )
        return None
    return int(text)


def _exam_line(problems: Problems, ctx: Context) -> _ExamLine:
    row = problems.row
    line = _ExamLine(
        Person(problems.required("last_name"), problems.required("first_name"), row.text("middle_name")),
        columns.date_cell(problems, "birth_date", required=True),
        columns.school_class(problems, ctx),
        _kind(problems),
        _subject(problems),
        columns.date_cell(problems, "exam_date", required=True),
        _score(problems, "primary_score", required=True),
        _score(problems, "test_score", required=False),
        _score(problems, "mark", required=False),
    )
    key = (columns.fold(line.person.full_name), line.birth_date, line.kind, line.subject, line.exam_date)
    if all(key):
        problems.once(ctx, ("exam", *key))
    return line


def _find_student(line: _ExamLine) -> Student:
    student = columns.find_student(line.person, line.birth_date)
    values = {"name": line.person.full_name, "date": dmy(line.birth_date), "class": line.school_class.name}
    if student is None:
        refuse(_("There is no student %(name)s born %(date)s.") % values, "unknown_student")
    if not Enrolment.objects.filter(student=student, school_class=line.school_class).exists():
        refuse(_("%(name)s, born %(date)s, is not in class %(class)s.") % values, "not_in_class")
    return student


def _scores_text(scores: tuple) -> str:
    primary, test, mark = scores
    parts = [_("primary score %(n)s") % {"n": primary}]
    if test is not None:
        parts.append(_("test score %(n)s") % {"n": test})
    if mark is not None:
        parts.append(_("mark %(n)s") % {"n": mark})
    return ", ".join(map(str, parts))


def state_exams_row(row: Row, ctx: Context) -> Outcome:
    problems = Problems(row)
    line = _exam_line(problems, ctx)
    problems.check()
    student = _find_student(line)
    existing = StateExamResult.objects.filter(
        student=student, subject=line.subject, kind=line.kind, exam_date=line.exam_date
    ).first()
    text = _("%(name)s, %(class)s: %(exam)s, %(subject)s, %(date)s — %(scores)s") % {
        "name": student.full_name,
        "class": line.school_class.name,
        "exam": Kind(line.kind).label,
        "subject": line.subject.name,
        "date": dmy(line.exam_date),
        "scores": _scores_text(line.scores()),
    }
    if existing is not None:
        old = (existing.primary_score, existing.test_score, existing.mark)
        if old == line.scores():
            return Outcome(RowAction.UNCHANGED, str(text))
        text = _("%(result)s (was: %(old)s)") % {"result": text, "old": _scores_text(old)}
    state_exam_result_set(
        user=ctx.user,
        student=student,
        subject=line.subject,
        kind=line.kind,
        exam_date=line.exam_date,
        primary_score=line.primary_score,
        test_score=line.test_score,
        mark=line.mark,
    )
    return Outcome(RowAction.CREATE if existing is None else RowAction.UPDATE, str(text))


SPEC = KindSpec(
    columns=(
        LAST_NAME,
        FIRST_NAME,
        MIDDLE_NAME,
        BIRTH_DATE,
        Column(
            "school_class",
            "Класс",
            ("class",),
            True,
            _(
                "Class of the current year, e.g. 9А or 11Б; with the name and date of birth it finds the student."
            ),
        ),
        Column("kind", "Экзамен", ("exam", "exam kind"), True, _("ОГЭ, ЕГЭ or ГВЭ.")),
        SUBJECT,
        Column(
            "exam_date",
            "Дата экзамена",
            ("exam date",),
            True,
            _("ДД.ММ.ГГГГ, or a date cell of the spreadsheet."),
        ),
        Column(
            "primary_score", "Первичный балл", ("primary score",), True, _("A whole number from 0 to 100.")
        ),
        Column(
            "test_score",
            "Тестовый балл",
            ("test score",),
            False,
            _("ЕГЭ only: from 0 to 100. Empty for ОГЭ and ГВЭ."),
        ),
        Column(
            "mark",
            "Отметка",
            ("mark",),
            False,
            _("From 2 to 5. Required for ОГЭ and ГВЭ; may be empty for ЕГЭ."),
        ),
    ),
    note=_(
        "Results of the state final attestation (ГИА). A student is found by surname, first name, "
        "patronymic and date of birth, and must be in the given class: ОГЭ is taken in grade 9, ЕГЭ in "
        "grade 11, ГВЭ in either. A result is recognised by student, subject, exam and date: changed "
        "scores update it, and an import never deletes a result."
    ),
    handler=state_exams_row,
    needs_user=True,
)
