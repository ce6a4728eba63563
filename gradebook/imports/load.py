"""Import of the teaching load of the current year: which teacher teaches which subject to which class
(or subgroup), with the weekly hours. Missing subjects and subgroups are created on request."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from gradebook.imports import columns
from gradebook.imports.columns import SCHOOL_CLASS, SUBJECT, fold
from gradebook.imports.plan import Column, Context, KindSpec, Outcome, Problems, Row, RowAction, norm
from gradebook.models import ClassSubject, Subgroup, Subject
from gradebook.models import TeachingAssignment as Assignment
from gradebook.services import class_subject_set, teaching_assignment_create

YES_WORDS = frozenset(map(norm, ("да", "д", "yes", "y", "1", "true")))
NO_WORDS = frozenset(map(norm, ("", "нет", "н", "no", "n", "0", "false")))


def _flag(problems: Problems, key: str) -> bool:
    word = norm(problems.row.text(key))
    if word not in YES_WORDS | NO_WORDS:
        problems.add(
            "invalid_flag",
            _("Write «да» or leave «%(column)s» empty.") % {"column": problems.row.headers.get(key, key)},
        )
    return word in YES_WORDS


def _hours(problems: Problems) -> Decimal | None:
    text = problems.row.text("hours").replace(",", ".")
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or not 0 < hours <= Decimal("99.9") or hours % Decimal("0.1"):
        problems.add(
            "invalid_hours", _("Hours per week must be a number above 0 and up to 99.9, e.g. 3 or 1,5.")
        )
        return None
    return hours.quantize(Decimal("0.1"))


def _hours_text(hours: Decimal) -> str:
    text = f"{hours:.1f}"
    return text.removesuffix(".0")


def _load_line(problems: Problems, ctx: Context):
    school_class = columns.school_class(problems, ctx)
    name, create = problems.required("subject"), _flag(problems, "create_subject")
    teacher, subgroup = columns.account(problems, "teacher", required=True), problems.row.text("subgroup")
    hours = _hours(problems)
    subject = columns.find_subject(name) if name else None
    if name and subject is None and not create:
        problems.add(
            "unknown_subject",
            _("There is no subject «%(name)s». Check the name, or write «да» in «Создать предмет».")
            % {"name": name},
        )
    if school_class is None or not name or teacher is None:
        return school_class, subject, name, teacher, subgroup, hours
    class_key = (school_class.pk, fold(name))
    problems.once(ctx, ("load", *class_key, teacher.pk, fold(subgroup)))
    if hours is not None:
        first_hours, first_row = ctx.hours.setdefault(class_key, (hours, problems.row.number))
        if first_hours != hours:
            problems.add(
                "hours_conflict",
                _("Row %(row)s gives this subject of the class %(hours)s hours a week.")
                % {"row": first_row, "hours": _hours_text(first_hours)},
            )
    return school_class, subject, name, teacher, subgroup, hours


def _class_subject(school_class, subject, hours, changes: list) -> ClassSubject:
    existing = ClassSubject.objects.filter(school_class=school_class, subject=subject).first()
    if existing is None:
        changes.append(
            _("new subject of the class (%(hours)s h a week)") % {"hours": _hours_text(hours or 1)}
        )
        return class_subject_set(school_class=school_class, subject=subject, hours_per_week=hours or 1)
    if hours is None or existing.hours_per_week == hours:
        return existing
    changes.append(
        _("hours a week %(old)s → %(new)s")
        % {"old": _hours_text(existing.hours_per_week), "new": _hours_text(hours)}
    )
    # The scale is passed on so that changing the hours never resets a scale chosen by hand.
    return class_subject_set(
        school_class=school_class, subject=subject, scale=existing.scale, hours_per_week=hours
    )


def _subgroup(school_class, name: str, changes: list) -> Subgroup | None:
    if not name:
        return None
    found = next((g for g in school_class.subgroups.all() if fold(g.name) == fold(name)), None)
    if found is not None:
        return found
    changes.append(_("new subgroup «%(name)s»") % {"name": name})
    subgroup = Subgroup(school_class=school_class, name=name)
    subgroup.full_clean()
    subgroup.save()
    return subgroup


def load_row(row: Row, ctx: Context) -> Outcome:
    problems = Problems(row)
    school_class, subject, name, teacher, group_name, hours = _load_line(problems, ctx)
    problems.check()
    changes = []
    if subject is None:
        subject = Subject(name=name, short_name=name[:30])
        subject.full_clean()
        subject.save()
        changes.append(_("new subject «%(name)s» in the school's list") % {"name": name})
    class_subject = _class_subject(school_class, subject, hours, changes)
    subgroup = _subgroup(school_class, group_name, changes)
    values = {
        "class": school_class.name,
        "subject": subject.name,
        "group": f" ({subgroup.name})" if subgroup else "",
        "teacher": teacher.short_name,
    }
    text = _("%(class)s, %(subject)s%(group)s: %(teacher)s") % values
    if Assignment.objects.filter(teacher=teacher, class_subject=class_subject, subgroup=subgroup).exists():
        action = RowAction.UPDATE if changes else RowAction.UNCHANGED
    else:
        teaching_assignment_create(teacher=teacher, class_subject=class_subject, subgroup=subgroup)
        action = RowAction.CREATE
    return Outcome(action, "; ".join([str(text), *map(str, changes)]))


SPEC = KindSpec(
    columns=(
        SCHOOL_CLASS,
        SUBJECT,
        Column("teacher", "Учитель", ("teacher",), True, _("Login of the teacher.")),
        Column(
            "subgroup",
            "Подгруппа",
            ("subgroup", "group"),
            False,
            _("Name of a subgroup of the class; created if new. Empty: the whole class."),
        ),
        Column(
            "hours",
            "Часов в неделю",
            ("hours per week", "hours"),
            False,
            _("Hours a week, e.g. 3 or 1,5. Empty keeps the current number (1 for a new subject)."),
        ),
        Column(
            "create_subject",
            "Создать предмет",
            ("create subject",),
            False,
            _("«да» to create a subject missing from the school's list; otherwise it is an error."),
        ),
    ),
    note=_("Teaching load of the current academic year."),
    handler=load_row,
)
