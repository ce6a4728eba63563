"""Import of students with up to two parents: the student is found or created, placed in the class (or
transferred), and each parent's account is found or created and linked as a legal representative."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Guardianship, Student
from accounts.services import guardianship_create, student_create, user_create
from gradebook.imports import columns
from gradebook.imports.columns import (
    BIRTH_DATE,
    FIRST_NAME,
    LAST_NAME,
    MIDDLE_NAME,
    SCHOOL_CLASS,
    Person,
    dmy,
    fold,
)
from gradebook.imports.plan import Column, Context, KindSpec, Outcome, Problems, Row, RowAction, norm, refuse
from gradebook.models import Enrolment, SchoolClass
from gradebook.services import enrolment_create, enrolment_transfer

User = get_user_model()

GENDER_WORDS = {
    **dict.fromkeys(map(norm, ("м", "муж", "мужской", "m", "male")), Student.Gender.MALE),
    **dict.fromkeys(map(norm, ("ж", "жен", "женский", "f", "female")), Student.Gender.FEMALE),
}
RELATION_WORDS = {
    **dict.fromkeys(map(norm, ("мать", "мама", "mother")), Guardianship.Relation.MOTHER),
    **dict.fromkeys(map(norm, ("отец", "папа", "father")), Guardianship.Relation.FATHER),
    **dict.fromkeys(map(norm, ("опекун", "попечитель", "guardian")), Guardianship.Relation.GUARDIAN),
    **dict.fromkeys(
        map(norm, ("иной законный представитель", "законный представитель", "other")),
        Guardianship.Relation.OTHER,
    ),
}


@dataclass(frozen=True)
class _Parent:
    number: int
    person: Person
    relation: str
    email: str
    login: str


@dataclass(frozen=True)
class _StudentLine:
    person: Person
    birth_date: date | None
    gender: str | None
    school_class: SchoolClass | None
    start_date: date | None
    parents: list[_Parent]


def _parent(problems: Problems, n: int) -> _Parent | None:
    row = problems.row
    name, relation = row.text(f"p{n}_name"), row.text(f"p{n}_relation")
    email, login = columns.email(problems, f"p{n}_email"), columns.login(problems, f"p{n}_login")
    if not (name or relation or email or login):
        return None
    parts = name.split()
    if len(parts) < 2:
        problems.add("parent_name", _("Parent %(n)s: write the surname and first name.") % {"n": n})
    if norm(relation) not in RELATION_WORDS:
        problems.add(
            "invalid_relation",
            _("Parent %(n)s: the relation must be мать, отец, опекун or иной законный представитель.")
            % {"n": n},
        )
    person = Person(*parts[:2], " ".join(parts[2:])) if len(parts) >= 2 else Person(name, "")
    return _Parent(n, person, RELATION_WORDS.get(norm(relation), ""), email, login)


def _student_line(problems: Problems, ctx: Context) -> _StudentLine:
    row = problems.row
    person = Person(problems.required("last_name"), problems.required("first_name"), row.text("middle_name"))
    birth_date = columns.date_cell(problems, "birth_date", required=True)
    gender = GENDER_WORDS.get(norm(row.text("gender")))
    if gender is None:
        problems.add("invalid_gender", _("Write the gender as м or ж."))
    line = _StudentLine(
        person,
        birth_date,
        gender,
        columns.school_class(problems, ctx),
        columns.date_cell(problems, "start_date", required=False),
        [p for p in (_parent(problems, 1), _parent(problems, 2)) if p is not None],
    )
    keys = [p.login.casefold() or p.email.casefold() for p in line.parents]
    if len(keys) == 2 and keys[0] and keys[0] == keys[1]:
        problems.add("same_parent", _("Parent 2 is the same account as parent 1."))
    if person.last_name and person.first_name and birth_date:
        problems.once(ctx, ("student", fold(person.full_name), birth_date))
    return line


def _place_in_class(student: Student, line: _StudentLine, ctx: Context) -> list[str]:
    current = (
        Enrolment.objects.filter(student=student, school_class__academic_year=ctx.year, end_date__isnull=True)
        .select_related("school_class")
        .order_by("pk")
        .first()
    )
    on = line.start_date or ctx.default_start
    target = line.school_class
    if current is None:
        enrolment_create(student=student, school_class=target, start_date=on)
        return [_("enrolled in %(name)s from %(date)s") % {"name": target.name, "date": dmy(on)}]
    if current.school_class_id == target.pk:
        return []
    enrolment_transfer(student=student, to_class=target, on_date=on)
    return [
        _("moves from %(old)s to %(new)s on %(date)s")
        % {"old": current.school_class.name, "new": target.name, "date": dmy(on)}
    ]


_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"  # ъ, ь: dropped
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN.split(), strict=True))


def _latin(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", "".join(_TRANSLIT.get(ch, ch) for ch in text.casefold()))


def _free_login(person: Person) -> str:
    """surname.initials in Latin letters (Иванова Анна Петровна → ivanova.ap), numbered when taken."""
    initials = "".join(_latin(p[:1]) for p in (person.first_name, person.middle_name) if p)
    base = f"{_latin(person.last_name)[:100] or 'parent'}.{initials}".rstrip(".")
    number = 1
    while User.objects.filter(
        username__iexact=(login := base if number == 1 else f"{base}{number}")
    ).exists():
        number += 1
    return login


def _guardian_account(parent: _Parent, student: Student, student_is_new: bool) -> tuple[object, list, list]:
    """(account, what changes, warnings). Identified by login, else e-mail, else a guardian of the same
    name already linked to this student; otherwise a new account without a usable password."""
    if parent.login:
        user = User.objects.filter(username__iexact=parent.login).first()
    elif parent.email:
        found = list(User.objects.filter(email__iexact=parent.email)[:2])
        if len(found) > 1:
            refuse(_("Several accounts have the e-mail %(email)s.") % {"email": parent.email}, "ambiguous")
        user = found[0] if found else None
    else:
        linked = (
            []
            if student_is_new
            else [g.guardian for g in student.guardianships.select_related("guardian").order_by("pk")]
        )
        user = next((u for u in linked if columns.same_person(u, parent.person)), None)
    if user is not None:
        columns.check_account(user, parent.person, parent.email)
        return user, [], []
    warnings = []
    if not (parent.login or parent.email):
        namesakes = User.objects.filter(
            last_name=parent.person.last_name, first_name=parent.person.first_name
        )
        if logins := [u.username for u in namesakes if columns.same_person(u, parent.person)]:
            warnings.append(
                _(
                    "Parent %(n)s: accounts with the same name exist (%(logins)s). To use one of them, put "
                    "its login in the file; otherwise a new account is created."
                )
                % {"n": parent.number, "logins": ", ".join(logins)}
            )
    user = user_create(
        username=parent.login or _free_login(parent.person), email=parent.email, **vars(parent.person)
    )
    change = _("new parent account %(login)s (%(name)s)") % {"login": user.username, "name": user.full_name}
    return user, [change], warnings


def _link_parent(student: Student, parent: _Parent, student_is_new: bool) -> tuple[list, list]:
    user, changes, warnings = _guardian_account(parent, student, student_is_new)
    held = Guardianship.objects.filter(guardian=user, student=student).values_list("relation", flat=True)
    relation = Guardianship.Relation(parent.relation).label
    if list(held) != [parent.relation]:
        guardianship_create(guardian=user, student=student, relation=parent.relation)
        changes.append(
            _("%(login)s is linked as %(relation)s") % {"login": user.username, "relation": relation}
        )
    return changes, warnings


def students_row(row: Row, ctx: Context) -> Outcome:
    problems = Problems(row)
    line = _student_line(problems, ctx)
    problems.check()
    student = columns.find_student(line.person, line.birth_date)
    is_new = student is None
    if is_new:
        student = student_create(birth_date=line.birth_date, gender=line.gender, **vars(line.person))
    elif student.gender != line.gender:
        refuse(_("%(name)s is recorded with another gender.") % {"name": student.full_name}, "gender_differs")
    changes, warnings = _place_in_class(student, line, ctx), []
    for parent in line.parents:
        parent_changes, parent_warnings = _link_parent(student, parent, is_new)
        changes += parent_changes
        warnings += parent_warnings
    values = {"name": student.full_name, "date": dmy(student.birth_date), "class": line.school_class.name}
    if is_new:
        text, action = _("New student %(name)s, born %(date)s") % values, RowAction.CREATE
    elif changes:
        text, action = _("%(name)s, born %(date)s") % values, RowAction.UPDATE
    else:
        text, action = _("%(name)s, born %(date)s, class %(class)s") % values, RowAction.UNCHANGED
    return Outcome(action, "; ".join([text, *map(str, changes)]), [str(w) for w in warnings])


def _parent_columns(n: int) -> tuple[Column, ...]:
    return (
        Column(
            f"p{n}_name",
            f"Родитель {n} ФИО",
            (f"Parent {n} name",),
            False,
            _("Surname, first name and patronymic of a parent or legal representative."),
        ),
        Column(
            f"p{n}_relation",
            f"Родитель {n} кем приходится",
            (f"Parent {n} relation",),
            False,
            _("мать, отец, опекун or иной законный представитель."),
        ),
        Column(
            f"p{n}_email",
            f"Родитель {n} e-mail",
            (f"Parent {n} email",),
            False,
            _("Used to find an existing account and for password reset."),
        ),
        Column(
            f"p{n}_login",
            f"Родитель {n} логин",
            (f"Parent {n} login",),
            False,
            _("Login of the parent's account. Without a login or e-mail one is made from the name."),
        ),
    )


SPEC = KindSpec(
    columns=(
        LAST_NAME,
        FIRST_NAME,
        MIDDLE_NAME,
        BIRTH_DATE,
        Column("gender", "Пол", ("gender", "sex"), True, _("м or ж.")),
        SCHOOL_CLASS,
        Column(
            "start_date",
            "Дата зачисления",
            ("enrolment date",),
            False,
            _("Date of joining the class. Default: the start of the year, or today if later."),
        ),
        *_parent_columns(1),
        *_parent_columns(2),
    ),
    note=_(
        "A student is recognised by surname, first name, patronymic and date of birth; a known student in "
        "another class is transferred. A parent is found by login, else by e-mail; to link one parent to "
        "several children, give the same login or e-mail on each row. New parent accounts have no password: "
        "parents set it through password reset by e-mail."
    ),
    handler=students_row,
)
