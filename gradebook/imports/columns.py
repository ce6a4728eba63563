"""The columns and cells that several kinds share: names, accounts, logins, e-mails, dates, classes, subjects,
and recognising a student by name and date of birth.

Each reader adds its problems to the row's Problems and returns what it could read, so a row reports
all its problems at once; a refusal that needs the database (another person's login) raises DomainError.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.datetime import from_excel

from accounts.models import Student
from gradebook.imports.plan import Column, Context, Problems, refuse
from gradebook.models import SchoolClass, Subject

User = get_user_model()
EXCEL_1990, EXCEL_2100 = 32874, 73051  # serial numbers of 1 Jan 1990 and 1 Jan 2100

LAST_NAME = Column("last_name", "Фамилия", ("last name", "surname"), True, _("Surname."))
FIRST_NAME = Column("first_name", "Имя", ("first name",), True, _("First name."))
MIDDLE_NAME = Column(
    "middle_name", "Отчество", ("middle name", "patronymic"), False, _("Patronymic, if any.")
)
SCHOOL_CLASS = Column("school_class", "Класс", ("class",), True, _("Class of the current year, e.g. 5А."))
SUBJECT = Column("subject", "Предмет", ("subject",), True, _("Name of the subject, as in the school's list."))
BIRTH_DATE = Column(
    "birth_date",
    "Дата рождения",
    ("date of birth", "birth date"),
    True,
    _("ДД.ММ.ГГГГ, or a date cell of the spreadsheet."),
)


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    middle_name: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def fold(text: str) -> str:
    return " ".join(text.split()).casefold().replace("ё", "е")


def same_person(user, person: Person) -> bool:
    """Same surname and first name; the patronymic counts only when both have one."""
    if (fold(user.last_name), fold(user.first_name)) != (fold(person.last_name), fold(person.first_name)):
        return False
    return not (user.middle_name and person.middle_name) or fold(user.middle_name) == fold(person.middle_name)


def check_account(user, person: Person, email: str) -> None:
    if not same_person(user, person):
        refuse(
            _("The login «%(login)s» belongs to %(owner)s, not to %(name)s.")
            % {"login": user.username, "owner": user.full_name, "name": person.full_name},
            "other_person",
        )
    if email and fold(user.email) != fold(email):
        refuse(
            _("The account «%(login)s» has another e-mail (%(email)s); change it in the administration.")
            % {"login": user.username, "email": user.email or "—"},
            "email_differs",
        )


def login(problems: Problems, key: str) -> str:
    value = problems.row.text(key)
    try:
        if value:
            User.username_validator(value)
    except ValidationError:
        login_ok = False
    else:
        login_ok = len(value) <= 150
    if not login_ok:
        message = _("The login «%(login)s» may hold only letters, digits and @.+-_.")
        problems.add("invalid_login", message % {"login": value})
    return value


def email(problems: Problems, key: str) -> str:
    value = problems.row.text(key)
    try:
        if value:
            validate_email(value)
    except ValidationError:
        problems.add("invalid_email", _("«%(email)s» is not an e-mail address.") % {"email": value})
    return value


def account(problems: Problems, key: str, *, required: bool):
    name = problems.required(key) if required else problems.row.text(key)
    if not name:
        return None
    user = User.objects.filter(username__iexact=name).first()
    if user is None:
        problems.add("unknown_login", _("There is no account with the login «%(login)s».") % {"login": name})
    return user


def date_cell(problems: Problems, key: str, *, required: bool) -> date | None:
    value = problems.row.values.get(key)
    if value is None or value == "":
        if required:
            problems.required(key)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and EXCEL_1990 <= value < EXCEL_2100:  # a date number, plain cell
        return from_excel(value).date()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    problems.add("invalid_date", _("«%(value)s» is not a date; write it as ДД.ММ.ГГГГ.") % {"value": value})
    return None


# Latin letters that look like Cyrillic ones: «5A» typed with a Latin A is meant as 5А.
_LOOKALIKES = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


def letter(text: str) -> str:
    return text.strip().upper().translate(_LOOKALIKES)


def school_class(problems: Problems, ctx: Context, key: str = "school_class") -> SchoolClass | None:
    text = problems.required(key)
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})\s*[-\s]?\s*(\w{1,2})", letter(text))
    if match is None:
        problems.add("invalid_class", _("Write the class as a number and a letter, e.g. 5А."))
        return None
    grade, class_letter = int(match[1]), match[2]
    if (grade, class_letter) not in ctx.classes:  # no kind that names a class creates one
        query = SchoolClass.objects.filter(
            academic_year=ctx.year, grade=grade, letter=class_letter
        ).select_related("academic_year")
        ctx.classes[grade, class_letter] = query.first()
    found = ctx.classes[grade, class_letter]
    if found is None:
        problems.add(
            "unknown_class",
            _("There is no class %(name)s in %(year)s.")
            % {"name": f"{grade}{class_letter}", "year": ctx.year},
        )
    return found


def find_subject(name: str) -> Subject | None:
    return next((s for s in Subject.objects.all() if fold(s.name) == fold(name)), None)


def find_student(person: Person, birth_date: date) -> Student | None:
    """The one student of this name born that day; several of them is a refusal of the row."""
    key = (fold(person.last_name), fold(person.first_name), fold(person.middle_name))
    # Names are compared in Python: SQLite folds the case of Latin letters only.
    born_that_day = Student.objects.filter(birth_date=birth_date).values_list(
        "pk", "last_name", "first_name", "middle_name"
    )
    found = [pk for pk, *names in born_that_day if tuple(map(fold, names)) == key]
    if len(found) > 1:
        refuse(
            _("There are several students %(name)s born %(date)s; enrol them by hand.")
            % {"name": person.full_name, "date": dmy(birth_date)},
            "ambiguous_student",
        )
    return Student.objects.get(pk=found[0]) if found else None


def dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")
