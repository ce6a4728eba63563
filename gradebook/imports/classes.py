"""Import of the classes of the current academic year, with their class teachers."""

from django.utils.translation import gettext_lazy as _

from gradebook.imports import columns
from gradebook.imports.plan import Column, Context, KindSpec, Outcome, Problems, Row, RowAction
from gradebook.models import SchoolClass
from gradebook.services import CLASS_LETTERS, school_class_create, school_class_set_teacher


def _grade(problems: Problems) -> int | None:
    text = problems.required("grade")
    if text and (not text.isdigit() or not 1 <= int(text) <= 11):
        problems.add("invalid_grade", _("The grade must be from 1 to 11."))
    return int(text) if text.isdigit() else None


def classes_row(row: Row, ctx: Context) -> Outcome:
    problems = Problems(row)
    grade, letter = _grade(problems), columns.letter(problems.required("letter"))
    if letter and (len(letter) > 2 or letter[0] not in CLASS_LETTERS):
        problems.add("invalid_letter", _("The class letter must be a Cyrillic letter (А, Б, В…)."))
    teacher = columns.account(problems, "class_teacher", required=False)
    if grade and letter:
        problems.once(ctx, ("class", grade, letter))
    problems.check()
    name = f"{grade}{letter}"
    existing = (
        SchoolClass.objects.filter(academic_year=ctx.year, grade=grade, letter=letter)
        .select_related("class_teacher")
        .first()
    )
    if existing is None:
        school_class_create(academic_year=ctx.year, grade=grade, letter=letter, class_teacher=teacher)
        return Outcome(
            RowAction.CREATE,
            _("New class %(name)s; class teacher: %(teacher)s")
            % {"name": name, "teacher": teacher.short_name if teacher else "—"},
        )
    old = existing.class_teacher
    if teacher is None or old == teacher:
        return Outcome(
            RowAction.UNCHANGED,
            _("Class %(name)s; class teacher: %(teacher)s")
            % {"name": name, "teacher": old.short_name if old else "—"},
        )
    school_class_set_teacher(school_class=existing, teacher=teacher)
    return Outcome(
        RowAction.UPDATE,
        _("Class %(name)s: class teacher %(old)s → %(new)s")
        % {"name": name, "old": old.short_name if old else "—", "new": teacher.short_name},
    )


SPEC = KindSpec(
    columns=(
        Column("grade", "Параллель", ("grade",), True, _("From 1 to 11.")),
        Column("letter", "Буква", ("letter",), True, _("А, Б, В…")),
        Column(
            "class_teacher",
            "Классный руководитель",
            ("class teacher",),
            False,
            _("Login of a teacher. Empty keeps the current class teacher."),
        ),
    ),
    note=_("Classes of the current academic year."),
    handler=classes_row,
)
