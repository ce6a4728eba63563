"""A deterministic demo school: structure, staff, students, families and the demo logins.

`build_demo_school(students=..., seed=...)` first plans the whole school in memory with one
`random.Random(seed)`, then writes it in one transaction, so the same seed on the same date gives the
same school. Staff, classes, curriculum, teaching load, transfers and leavers go through the services;
students, enrolments, families and the families' object permissions are bulk-created (per-row services
are too slow for a large school) with exactly the rows and permissions the services would write.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts.errors import DomainError
from accounts.models import Guardianship, Role, Student, UserRole
from accounts.roles import role_annotations
from accounts.services import VIEW_STUDENT, user_create
from gradebook.models import (
    AcademicYear,
    Enrolment,
    School,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from gradebook.services import (
    CLASS_LETTERS,
    academic_year_create,
    class_subject_set,
    enrolment_end,
    enrolment_transfer,
    school_class_create,
    school_class_set_teacher,
    teaching_assignment_create,
)

User = get_user_model()

MIN_STUDENTS, MAX_STUDENTS = 50, 40_000

# ---------------------------------------------------------------------------------------------------
# Russian names


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MALE_NAMES = _words("""Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис Вадим
Валентин Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий Георгий Глеб
Григорий Давид Даниил Денис Дмитрий Евгений Егор Елисей Захар Иван Игорь Илья Кирилл Константин Лев
Леонид Макар Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр Платон Роман Руслан Савелий
Семён Сергей Степан Тимофей Тимур Фёдор Юрий Ярослав""")

FEMALE_NAMES = _words("""Александра Алина Алиса Алла Анастасия Ангелина Анна Антонина Арина Валентина Валерия
Варвара Василиса Вера Вероника Виктория Галина Дарья Диана Ева Евгения Екатерина Елена Елизавета Есения
Жанна Злата Зоя Инна Ирина Карина Кира Кристина Ксения Лариса Лидия Любовь Людмила Маргарита Марина
Мария Милана Мирослава Надежда Наталья Нина Оксана Олеся Ольга Полина Светлана Серафима София Таисия
Тамара Татьяна Ульяна Эвелина Юлия Яна""")

# Masculine forms; feminine_surname() derives the others.
SURNAMES = _words("""Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров
Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев
Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов
Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков
Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов
Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев
Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев
Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров
Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев
Акимов Кондратьев Бирюков Горбунов Лукьянов Скворцов Юдин Белоусов Нестеров Цветков Хабибуллин Сафин
Гарипов Алиев Мамедов Покровский Вишневский Островский Успенский Троицкий Высоцкий Заболоцкий Толстой
Донской Ким Цой Шевченко Бондаренко Ткаченко Коваленко Ковальчук Мельник Черных Седых""")

# Patronymics that the rules below do not produce: (masculine, feminine).
_PATRONYMIC_EXCEPTIONS = {
    "Илья": ("Ильич", "Ильинична"),
    "Кузьма": ("Кузьмич", "Кузьминична"),
    "Фома": ("Фомич", "Фоминична"),
    "Лука": ("Лукич", "Лукинична"),
    "Яков": ("Яковлевич", "Яковлевна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Лев": ("Львович", "Львовна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
}
_INVARIANT_SURNAMES = frozenset({"Цой"})


def patronymic(father_name: str, gender: str) -> str:
    """The patronymic from a father's first name: gender "m" → Сергеевич, "f" → Сергеевна."""
    male = gender == "m"
    if father_name in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father_name][0 if male else 1]
    if father_name.endswith(("а", "я")):  # Никита → Никитич, Никитична
        return father_name[:-1] + ("ич" if male else "ична")
    if father_name.endswith("ий"):  # Юрий → Юрьевич
        stem = father_name[:-2] + "ь"
    elif father_name.endswith(("й", "ь")):  # Сергей → Сергеевич, Игорь → Игоревич
        stem = father_name[:-1]
    elif father_name[-1] in "жшчщц":
        stem = father_name
    else:  # Иван → Иванович
        return father_name + ("ович" if male else "овна")
    return stem + ("евич" if male else "евна")


def feminine_surname(surname: str) -> str:
    """The feminine form of a masculine surname: Иванов → Иванова, Высоцкий → Высоцкая, Ким → Ким."""
    if surname in _INVARIANT_SURNAMES:
        return surname
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ый", "ой")) or (surname.endswith("ий") and surname[-3] in "кгхжшчщц"):
        return surname[:-2] + "ая"
    if surname.endswith("ий"):  # Синий → Синяя
        return surname[:-2] + "яя"
    return surname  # Шевченко, Черных, Ковальчук, Мельник


_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _words("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya"),
        strict=True,
    )
)


def transliterate(text: str) -> str:
    """Latin letters for a login: Соловьёва → solovyeva."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower()).replace("_", "")


# ---------------------------------------------------------------------------------------------------
# The curriculum (federal curriculum, ФОП НОО/ООО/СОО, five-day week)

SUBJECTS = {  # key: (name, short name, subject area, order)
    "rus": ("Русский язык", "Русский язык", "Русский язык и литература", 10),
    "litread": ("Литературное чтение", "Лит. чтение", "Русский язык и литературное чтение", 11),
    "lit": ("Литература", "Литература", "Русский язык и литература", 12),
    "eng": ("Иностранный язык (английский)", "Англ. язык", "Иностранные языки", 20),
    "math": ("Математика", "Математика", "Математика и информатика", 30),
    "alg": ("Алгебра", "Алгебра", "Математика и информатика", 31),
    "alga": ("Алгебра и начала математического анализа", "Алгебра и н. а.", "Математика и информатика", 32),
    "geom": ("Геометрия", "Геометрия", "Математика и информатика", 33),
    "prob": ("Вероятность и статистика", "Вер. и стат.", "Математика и информатика", 34),
    "inf": ("Информатика", "Информатика", "Математика и информатика", 35),
    "world": ("Окружающий мир", "Окруж. мир", "Обществознание и естествознание", 40),
    "hist": ("История", "История", "Общественно-научные предметы", 41),
    "soc": ("Обществознание", "Обществознание", "Общественно-научные предметы", 42),
    "geo": ("География", "География", "Общественно-научные предметы", 43),
    "bio": ("Биология", "Биология", "Естественно-научные предметы", 50),
    "phys": ("Физика", "Физика", "Естественно-научные предметы", 51),
    "chem": ("Химия", "Химия", "Естественно-научные предметы", 52),
    "orkse": ("Основы религиозных культур и светской этики", "ОРКСЭ", "ОРКСЭ", 60),
    "odnknr": ("Основы духовно-нравственной культуры народов России", "ОДНКНР", "ОДНКНР", 61),
    "art": ("Изобразительное искусство", "ИЗО", "Искусство", 70),
    "music": ("Музыка", "Музыка", "Искусство", 71),
    "tech": ("Труд (технология)", "Труд", "Технология", 80),
    "obzr": ("Основы безопасности и защиты Родины", "ОБЗР", "ОБЗР", 90),
    "pe": ("Физическая культура", "Физкультура", "Физическая культура", 91),
    "project": ("Индивидуальный проект", "Инд. проект", "", 95),
}

HOURS = {  # weekly hours in grades 1 … 11; 0: not taught
    "rus": (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2),
    "litread": (4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0),
    "lit": (0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3),
    "eng": (0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3),
    "math": (4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0),
    "alg": (0, 0, 0, 0, 0, 0, 3, 3, 3, 0, 0),
    "alga": (0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3),
    "geom": (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2),
    "prob": (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1),
    "inf": (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1),
    "world": (2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0),
    "hist": (0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2),
    "soc": (0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2),
    "geo": (0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1),
    "bio": (0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1),
    "phys": (0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2),
    "chem": (0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1),
    "orkse": (0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
    "odnknr": (0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0),
    "art": (1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
    "music": (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
    "tech": (1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0),
    "obzr": (0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1),
    "pe": (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2),
    "project": (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
}

# Who teaches what from grade 5 on (and English, music, PE in grades 1–4). The primary-school teacher
# teaches everything else in grades 1–4; the individual project goes to the class teacher.
SPECIALTY = {
    "rus": "russian", "lit": "russian", "eng": "english",
    "math": "math", "alg": "math", "alga": "math", "geom": "math", "prob": "math",
    "inf": "informatics", "hist": "history", "soc": "history", "odnknr": "history",
    "geo": "geography", "bio": "biology", "phys": "physics", "chem": "chemistry",
    "art": "art", "music": "music", "tech": "technology", "obzr": "obzr", "pe": "pe",
}  # fmt: skip
PRIMARY_SUBJECTS = frozenset({"rus", "litread", "math", "world", "orkse", "art", "tech"})
SUBGROUPS = ("1 группа", "2 группа")  # English from grade 5
MALE_SHARE = {"pe": 0.5, "obzr": 0.7, "technology": 0.5, "physics": 0.35, "informatics": 0.4, "history": 0.25}
# Weekly hours a subject teacher is planned for. A full post is 18; aiming a little under it gives the
# usual one teacher per 15–18 students. Russian and mathematics teachers usually take more.
TARGET_LOAD, DEFAULT_TARGET_LOAD, MAX_LOAD = {"russian": 24, "math": 24}, 16, 30
CLASS_SIZE = 27
GRADE_WEIGHTS = {**dict.fromkeys(range(1, 10), 1.0), 10: 0.55, 11: 0.5}
SIBLING_SHARE, THIRD_CHILD_SHARE, LOGIN_SHARE = 0.15, 0.2, 0.3
TRANSFER_SHARE, LEAVER_SHARE = 0.01, 0.004

DEMO_LOGINS = (
    ("deputy", "Заместитель директора по УВР"),
    ("director", "Директор"),
    ("admin", "Администратор"),
    ("teacher", "Учитель-предметник"),
    ("classteacher", "Классный руководитель"),
    ("parent", "Родитель"),
    ("student", "Обучающийся"),
    ("multirole", "Учитель, классный руководитель и родитель"),
)


def curriculum(grade: int) -> list[tuple[str, int]]:
    """The (subject key, weekly hours) lines of a grade."""
    return [(key, hours[grade - 1]) for key, hours in HOURS.items() if hours[grade - 1]]


# ---------------------------------------------------------------------------------------------------
# The plan: the whole school in memory, drawn from one random generator


@dataclass(eq=False)
class Person:
    surname: str  # masculine form; last_name gives the person's own
    first_name: str
    middle_name: str
    gender: str  # a Student.Gender value
    username: str = ""
    user: User | None = None  # once written

    @property
    def last_name(self) -> str:
        return self.surname if self.gender == Student.Gender.MALE else feminine_surname(self.surname)


@dataclass(eq=False)
class ClassPlan:
    grade: int
    letter: str
    size: int
    class_teacher: "TeacherPlan | None" = None
    obj: SchoolClass | None = None


@dataclass(eq=False)
class Bundle:
    """What one teacher teaches in one class: the subjects of a specialty, or one English subgroup."""

    specialty: str
    school_class: ClassPlan
    subjects: list[str]
    hours: int
    subgroup: str = ""


@dataclass(eq=False)
class TeacherPlan:
    person: Person
    specialty: str
    bundles: list[Bundle]
    roles: tuple[Role, ...] = (Role.TEACHER,)
    leads: ClassPlan | None = None


@dataclass(eq=False)
class Child:
    person: Person
    birth_date: date
    school_class: ClassPlan  # enrolled on 1 September
    has_login: bool = False
    transfer: tuple[ClassPlan, date] | None = None
    leaves_on: date | None = None
    student: Student | None = None

    @property
    def current_class(self) -> ClassPlan:
        return self.transfer[0] if self.transfer else self.school_class


@dataclass(eq=False)
class Family:
    number: int
    surname: str
    father_name: str
    children: list[Child]
    mother: Person | None
    father: Person | None
    demo: bool = False  # holds a demo login: nobody in it moves or leaves

    @property
    def guardians(self) -> list[tuple[Person, str]]:
        pairs = ((self.mother, Guardianship.Relation.MOTHER), (self.father, Guardianship.Relation.FATHER))
        return [(person, relation) for person, relation in pairs if person is not None]


@dataclass
class SchoolPlan:
    start_year: int
    classes: list[ClassPlan]
    teachers: list[TeacherPlan]  # the deputy first
    director: Person
    admin: Person
    families: list[Family] = field(default_factory=list)

    def children(self) -> list[Child]:
        return [child for family in self.families for child in family.children]


class Namer:
    """Draws names from the plan's generator and hands out unique logins."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.logins = {username for username, _role in DEMO_LOGINS}

    def person(self, gender: str, *, surname="", first_name="", father_name="", avoid=()) -> Person:
        names = MALE_NAMES if gender == Student.Gender.MALE else FEMALE_NAMES
        while not first_name or first_name in avoid:
            first_name = self.rng.choice(names)
        surname = surname or self.rng.choice(SURNAMES)
        father_name = father_name or self.rng.choice(MALE_NAMES)
        return Person(surname, first_name, patronymic(father_name, gender), gender)

    def adult(self, male_share: float) -> Person:
        return self.person(Student.Gender.MALE if self.rng.random() < male_share else Student.Gender.FEMALE)

    def login(self, person: Person, prefix: str, number: int) -> str:
        """`p.ivanova17`; a clash (two parents called Ким) gets a suffix."""
        base = login = f"{prefix}.{transliterate(person.last_name)}{number}"
        suffix = 1
        while login in self.logins:
            suffix += 1
            login = f"{base}.{suffix}"
        self.logins.add(login)
        return login


def plan_school(*, students: int, seed: int, start_year: int, today: date) -> SchoolPlan:
    """The whole school, with no database access: same arguments, same plan."""
    rng = random.Random(seed)
    namer = Namer(rng)
    classes = plan_classes(rng, students)
    plan = SchoolPlan(start_year, classes, plan_staff(namer, classes), namer.adult(0.4), namer.adult(0.6))
    plan.director.username, plan.admin.username = "director", "admin"
    plan.families = plan_families(namer, classes, start_year)
    pick_demo_people(plan)
    plan_movements(rng, plan, today)
    assign_logins(plan, namer)
    return plan


def plan_classes(rng: random.Random, students: int) -> list[ClassPlan]:
    """Grades 1–11 of classes of about CLASS_SIZE; grades 10–11 are smaller, as in real schools."""
    classes = []
    for grade, count in _apportion(students, GRADE_WEIGHTS).items():
        number = max(1, round(count / CLASS_SIZE))
        sizes = [count // number + (i < count % number) for i in range(number)]
        for i in range(number - 1):  # a little unevenness; the grade's total stays
            shift = rng.randint(-1, 1)
            sizes[i], sizes[i + 1] = sizes[i] + shift, sizes[i + 1] - shift
        classes += [ClassPlan(grade, class_letter(i), size) for i, size in enumerate(sizes)]
    return classes


def _apportion(total: int, weights: dict[int, float]) -> dict[int, int]:
    """Integer shares of `total` proportional to `weights` (largest remainder), summing to `total`."""
    exact = {key: weight * total / sum(weights.values()) for key, weight in weights.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def class_letter(index: int) -> str:
    """А, Б, … Т, then А1, Б1, … for very large schools."""
    letters = len(CLASS_LETTERS)
    return CLASS_LETTERS[index % letters] + (str(index // letters) if index >= letters else "")


def class_bundles(school_class: ClassPlan) -> list[Bundle]:
    """The class's curriculum cut into what one teacher takes (the individual project aside)."""
    grade, by_specialty = school_class.grade, {}
    for key, _hours in curriculum(grade):
        if key != "project":
            specialty = "primary" if grade <= 4 and key in PRIMARY_SUBJECTS else SPECIALTY[key]
            by_specialty.setdefault(specialty, []).append(key)
    bundles = []
    for specialty, keys in by_specialty.items():
        hours = sum(HOURS[key][grade - 1] for key in keys)
        groups = SUBGROUPS if specialty == "english" and grade >= 5 else ("",)
        bundles += [Bundle(specialty, school_class, keys, hours, group) for group in groups]
    return bundles


def plan_staff(namer: Namer, classes: list[ClassPlan]) -> list[TeacherPlan]:
    """Teachers and their load; every class gets a class teacher. Names the demo deputy, teacher, class teacher."""
    pools: dict[str, list[Bundle]] = {}
    for school_class in classes:
        for bundle in class_bundles(school_class):
            pools.setdefault(bundle.specialty, []).append(bundle)
    teachers = []
    for bundle in pools.pop("primary"):  # one teacher per class of grades 1–4, who leads it
        teachers.append(TeacherPlan(namer.adult(0.03), "primary", [bundle]))
        _lead(teachers[-1], bundle.school_class)
    history = pools["history"]  # the deputy keeps a small load in the senior classes
    deputy = TeacherPlan(namer.adult(0.3), "history", history[-2:], roles=(Role.DEPUTY, Role.TEACHER))
    pools["history"] = history[:-2]
    for specialty, bundles in pools.items():
        male_share = MALE_SHARE.get(specialty, 0.1)
        teachers += [
            TeacherPlan(namer.adult(male_share), specialty, chunk) for chunk in share_load(specialty, bundles)
        ]
    math_teacher, russian_teacher = _first(teachers, "math"), _first(teachers, "russian")
    _lead(russian_teacher, next(b.school_class for b in russian_teacher.bundles if b.school_class.grade == 5))
    appoint_class_teachers([deputy, *teachers], classes, not_leading=(deputy, math_teacher))
    for school_class in classes:
        if school_class.grade == 10:
            school_class.class_teacher.bundles.append(Bundle("project", school_class, ["project"], 1))
    deputy.person.username, math_teacher.person.username = "deputy", "teacher"
    russian_teacher.person.username = "classteacher"
    return [deputy, *teachers]


def _first(teachers: list[TeacherPlan], specialty: str) -> TeacherPlan:
    return next(teacher for teacher in teachers if teacher.specialty == specialty)


def _lead(teacher: TeacherPlan, school_class: ClassPlan) -> None:
    teacher.leads, school_class.class_teacher = school_class, teacher


def share_load(specialty: str, bundles: list[Bundle]) -> list[list[Bundle]]:
    """Splits a specialty's bundles among as many teachers as its hours need, each taking neighbouring classes.

    English subgroups are ordered group 1 first, then group 2, and the two groups of a class always go
    to different teachers.
    """
    if specialty == "english":
        bundles = sorted(bundles, key=lambda bundle: bundle.subgroup)  # whole classes, group 1, group 2
    total = sum(bundle.hours for bundle in bundles)
    count = max(
        1, round(total / TARGET_LOAD.get(specialty, DEFAULT_TARGET_LOAD)), math.ceil(total / MAX_LOAD)
    )
    if any(bundle.subgroup for bundle in bundles):
        count = max(count, 2)
    count = min(count, len(bundles))
    chunks: list[list[Bundle]] = [[] for _chunk in range(count)]
    done = 0
    for bundle in bundles:
        chunks[min(count - 1, int((done + bundle.hours / 2) * count / total))].append(bundle)
        done += bundle.hours
    chunks = [chunk for chunk in chunks if chunk]
    _separate_subgroups(chunks)
    return chunks


def _separate_subgroups(chunks: list[list[Bundle]]) -> None:
    """Moves a class's group 2 away from the teacher of its group 1, to the least loaded other teacher."""
    first_group = {
        b.school_class: i for i, chunk in enumerate(chunks) for b in chunk if b.subgroup == SUBGROUPS[0]
    }
    for i, chunk in enumerate(chunks):
        for bundle in [b for b in chunk if b.subgroup == SUBGROUPS[1] and first_group[b.school_class] == i]:
            chunk.remove(bundle)
            others = [j for j in range(len(chunks)) if j != i]
            target = min(others, key=lambda j: sum(b.hours for b in chunks[j]))
            chunks[target].append(bundle)


def appoint_class_teachers(teachers: list[TeacherPlan], classes: list[ClassPlan], *, not_leading) -> None:
    """Every class still without one gets as class teacher whoever teaches it most and leads no class yet."""
    hours: dict[ClassPlan, dict[TeacherPlan, int]] = {}
    for teacher in teachers:
        for bundle in teacher.bundles:
            in_class = hours.setdefault(bundle.school_class, {})
            in_class[teacher] = in_class.get(teacher, 0) + bundle.hours
    for school_class in classes:
        if school_class.class_teacher is not None:
            continue
        own = hours.get(school_class, {})
        candidates = [t for t in own if t.leads is None and t not in not_leading] or [
            t for t in teachers if t.leads is None and t not in not_leading
        ]
        _lead(max(candidates, key=lambda t: own.get(t, 0)), school_class)


def plan_families(namer: Namer, classes: list[ClassPlan], start_year: int) -> list[Family]:
    """Fills every seat with a child; about SIBLING_SHARE of the families have 2–3 children in different grades.

    The first family always has two children in different grades and a mother: the demo parent.
    """
    rng = namer.rng
    seats = [school_class for school_class in classes for _seat in range(school_class.size)]
    rng.shuffle(seats)
    families: list[Family] = []
    while seats:
        members, first = [seats.pop()], not families
        if first or rng.random() < SIBLING_SHARE:
            for _extra in range(1 if first or rng.random() >= THIRD_CHILD_SHARE else 2):
                index = _seat_in_other_grade(seats, {seat.grade for seat in members})
                if index is not None:
                    members.append(seats.pop(index))
        families.append(_family(namer, members, len(families) + 1, start_year, with_mother=first))
    return families


def _seat_in_other_grade(seats: list[ClassPlan], grades: set[int], scan: int = 200) -> int | None:
    for index in range(len(seats) - 1, max(-1, len(seats) - 1 - scan), -1):
        if seats[index].grade not in grades:
            return index
    return None


def _family(
    namer: Namer, seats: list[ClassPlan], number: int, start_year: int, *, with_mother: bool
) -> Family:
    """Mother and father (55%), mother only (35%) or father only (10%); the children share surname and patronymic."""
    rng = namer.rng
    surname, father_name, draw = rng.choice(SURNAMES), rng.choice(MALE_NAMES), rng.random()
    mother = namer.person(Student.Gender.FEMALE, surname=surname) if with_mother or draw < 0.9 else None
    father = (
        namer.person(Student.Gender.MALE, surname=surname, first_name=father_name) if draw >= 0.35 else None
    )
    children: list[Child] = []
    for seat in seats:
        gender = rng.choice(Student.Gender.values)
        taken = [child.person.first_name for child in children]
        person = namer.person(gender, surname=surname, father_name=father_name, avoid=taken)
        has_login = seat.grade >= 5 and rng.random() < LOGIN_SHARE
        children.append(Child(person, _birth_date(rng, seat.grade, start_year), seat, has_login))
    return Family(number, surname, father_name, children, mother, father)


def _birth_date(rng: random.Random, grade: int, start_year: int) -> date:
    """Born in the year start_year - 6 - grade, give or take a few months."""
    return date(start_year - 6 - grade, 1, 1) + timedelta(days=rng.randint(-75, 410))


def pick_demo_people(plan: SchoolPlan) -> None:
    """Names the demo parent, the multirole teacher-parent and the demo student; marks their families."""
    parent_family = plan.families[0]
    parent_family.mother.username, parent_family.demo = "parent", True
    teacher = _multirole_teacher(plan)
    family = _family_of_teacher(plan, teacher)
    _adopt(family, teacher.person)
    teacher.person.username, family.demo = "multirole", True
    family, child = next(
        (f, c) for f in plan.families if not f.demo for c in f.children if c.school_class.grade == 7
    )
    child.has_login, child.person.username, family.demo = True, "student", True


def _multirole_teacher(plan: SchoolPlan) -> TeacherPlan:
    leaders = [c.class_teacher for c in plan.classes if c.grade >= 6 and not c.class_teacher.person.username]
    return next((t for t in leaders if t.person.gender == Student.Gender.FEMALE), leaders[0])


def _family_of_teacher(plan: SchoolPlan, teacher: TeacherPlan) -> Family:
    """A one-child family whose child is in another class, a young one if possible; the teacher joins it."""
    female = teacher.person.gender == Student.Gender.FEMALE
    candidates = [
        f
        for f in plan.families[1:]
        if len(f.children) == 1
        and f.children[0].school_class is not teacher.leads
        and (f.mother if female else f.father) is not None
    ]
    return min(candidates, key=lambda f: f.children[0].school_class.grade > 4)


def _adopt(family: Family, parent: Person) -> None:
    """Makes `parent` the family's mother or father; the family takes the parent's surname (and patronymic)."""
    family.surname = parent.surname
    for person in (family.mother, family.father, *(child.person for child in family.children)):
        if person is not None:
            person.surname = parent.surname
    if parent.gender == Student.Gender.FEMALE:
        family.mother = parent
        return
    family.father, family.father_name = parent, parent.first_name
    for child in family.children:
        child.person.middle_name = patronymic(parent.first_name, child.person.gender)


def plan_movements(rng: random.Random, plan: SchoolPlan, today: date) -> None:
    """About 1% move to a parallel class and a few leave the school, on school days before today."""
    start = date(plan.start_year, 9, 1)
    days = (today - start).days - 1
    if days < 1:
        return
    children = [child for family in plan.families if not family.demo for child in family.children]
    transfers = round(len(children) * TRANSFER_SHARE)
    picked = rng.sample(children, min(len(children), transfers + max(1, round(len(children) * LEAVER_SHARE))))
    parallel: dict[int, list[ClassPlan]] = {}
    for school_class in plan.classes:
        parallel.setdefault(school_class.grade, []).append(school_class)
    for child in picked[:transfers]:
        others = [c for c in parallel[child.school_class.grade] if c is not child.school_class]
        if others:
            child.transfer = (rng.choice(others), _school_day(rng, start, days))
    for child in picked[transfers:]:
        child.leaves_on = _school_day(rng, start, days)


def _school_day(rng: random.Random, start: date, days: int) -> date:
    day = start + timedelta(days=rng.randint(1, days))
    while day.weekday() >= 5 and day - timedelta(days=1) > start:
        day -= timedelta(days=1)
    return day


def assign_logins(plan: SchoolPlan, namer: Namer) -> None:
    """Logins for everyone who has an account and no demo login: t.…, p.ivanova17, s.…"""
    for number, teacher in enumerate(plan.teachers, 1):
        teacher.person.username = teacher.person.username or namer.login(teacher.person, "t", number)
    for family in plan.families:
        for person, _relation in family.guardians:
            person.username = person.username or namer.login(person, "p", family.number)
    for number, child in enumerate(plan.children(), 1):
        if child.has_login and not child.person.username:
            child.person.username = namer.login(child.person, "s", number)


# ---------------------------------------------------------------------------------------------------
# Writing the plan

SCHOOL = {
    "name": "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17»",
    "short_name": "МБОУ «СОШ № 17»",
    "address": "150040, Ярославская область, г. Ярославль, ул. Чехова, д. 12",
    "phone": "+7 (4852) 72-15-40",
    "email": "school17@example.org",
    "inn": "7604015235",
}
DEMO_USERNAMES = frozenset(username for username, _role in DEMO_LOGINS)


@dataclass(frozen=True)
class DemoSummary:
    school: str
    year: str
    classes: int
    students: int
    student_accounts: int
    teachers: int
    parents: int
    guardianships: int
    assignments: int
    transfers: int
    leavers: int


@transaction.atomic
def build_demo_school(*, students: int, seed: int) -> DemoSummary:
    """Creates the demo school of about `students` students; refuses when a school already exists.

    The same seed on the same day gives the same school (the current academic year and the dates of
    transfers depend on today). Every demo login gets the password settings.DEMO_PASSWORD; every other
    account an unusable one.
    """
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise DomainError(
            _("A demo school has from %(min)s to %(max)s students.")
            % {"min": MIN_STUDENTS, "max": MAX_STUDENTS},
            code="demo_size",
        )
    if School.objects.exists():
        raise DomainError(_("The school already exists."), code="school_exists")
    today = timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    write_school(plan_school(students=students, seed=seed, start_year=start_year, today=today))
    return demo_summary()


def write_school(plan: SchoolPlan) -> None:
    """Writes a plan into an empty school, in the caller's transaction."""
    password = make_password(settings.DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    School.objects.create(id=1, **SCHOOL)
    year = academic_year_create(start_year=plan.start_year, make_current=True)
    subjects = {
        key: Subject.objects.get_or_create(
            name=name, defaults={"short_name": short, "area": area, "order": order}
        )[0]
        for key, (name, short, area, order) in SUBJECTS.items()
    }
    _staff_create(plan, password)
    for school_class in plan.classes:
        school_class.obj = school_class_create(
            academic_year=year, grade=school_class.grade, letter=school_class.letter
        )
    subgroups = _load_create(plan, subjects)
    for school_class in plan.classes:
        school_class_set_teacher(
            school_class=school_class.obj, teacher=school_class.class_teacher.person.user
        )
    _students_create(plan, year, password)
    _families_create(plan, password)
    _movements_apply(plan)
    _subgroups_fill(plan, subgroups)


def _staff_create(plan: SchoolPlan, password: str) -> None:
    staff = [(teacher.person, teacher.roles) for teacher in plan.teachers]
    staff += [(plan.director, (Role.DIRECTOR,)), (plan.admin, (Role.ADMIN,))]
    for person, roles in staff:
        person.user = user_create(
            username=person.username,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            roles=roles,
        )
        if person.username in DEMO_USERNAMES:
            person.user.password = password
            person.user.save(update_fields=["password"])
    admin = plan.admin.user
    admin.is_staff = admin.is_superuser = True  # the Django admin site works for the demo admin
    admin.save(update_fields=["is_staff", "is_superuser"])
    # Loaded with their role annotations, as the authentication backend does, so that the services'
    # teacher check reads them instead of asking the database once per assignment.
    loaded = User.objects.annotate(**role_annotations()).in_bulk([person.user.pk for person, _roles in staff])
    for person, _roles in staff:
        person.user = loaded[person.user.pk]


def _load_create(plan: SchoolPlan, subjects: dict[str, Subject]) -> dict[tuple[ClassPlan, str], Subgroup]:
    """Curriculum lines, English subgroups and teaching assignments; returns the subgroups."""
    lines, subgroups = {}, {}
    for school_class in plan.classes:
        for key, hours in curriculum(school_class.grade):
            lines[school_class, key] = class_subject_set(
                school_class=school_class.obj, subject=subjects[key], hours_per_week=hours
            )
        if school_class.grade >= 5:  # no service creates subgroups yet
            subgroups.update(
                {(school_class, n): Subgroup(school_class=school_class.obj, name=n) for n in SUBGROUPS}
            )
    Subgroup.objects.bulk_create(subgroups.values())
    for teacher in plan.teachers:
        for bundle in teacher.bundles:
            for key in bundle.subjects:
                teaching_assignment_create(
                    teacher=teacher.person.user,
                    class_subject=lines[bundle.school_class, key],
                    subgroup=subgroups.get((bundle.school_class, bundle.subgroup)),
                )
    return subgroups


def _users_bulk_create(people: list[Person], password: str) -> None:
    """Accounts without staff roles (students, parents): the rows user_create would write, in bulk."""
    users = [
        User(
            username=person.username,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            password=password if person.username in DEMO_USERNAMES else make_password(None),
        )
        for person in people
    ]
    User.objects.bulk_create(users, batch_size=1000)
    for person, user in zip(people, users, strict=True):
        person.user = user


def _students_create(plan: SchoolPlan, year: AcademicYear, password: str) -> None:
    """Students (some with a login) enrolled on the first day of the year, in bulk."""
    children = plan.children()
    _users_bulk_create([child.person for child in children if child.has_login], password)
    for child in children:
        person = child.person
        child.student = Student(
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            birth_date=child.birth_date,
            gender=person.gender,
            user=person.user,
        )
    Student.objects.bulk_create([child.student for child in children], batch_size=1000)
    Enrolment.objects.bulk_create(
        [
            Enrolment(student=c.student, school_class=c.school_class.obj, start_date=year.start_date)
            for c in children
        ],
        batch_size=1000,
    )


def _families_create(plan: SchoolPlan, password: str) -> None:
    """Parents' accounts and guardianship links, with the view_student permission guardianship_create grants."""
    parents = [person for f in plan.families for person, _rel in f.guardians if person.user is None]
    _users_bulk_create(parents, password)
    links = [
        Guardianship(guardian=person.user, student=child.student, relation=relation)
        for family in plan.families
        for person, relation in family.guardians
        for child in family.children
    ]
    Guardianship.objects.bulk_create(links, batch_size=1000)
    content_type = ContentType.objects.get_for_model(Student)
    permission = Permission.objects.get(content_type=content_type, codename=VIEW_STUDENT.split(".")[1])
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user_id=link.guardian_id,
                permission=permission,
                content_type=content_type,
                object_pk=str(link.student_id),
            )
            for link in links
        ],
        batch_size=1000,
    )


def _movements_apply(plan: SchoolPlan) -> None:
    for child in plan.children():
        if child.transfer:
            to_class, on_date = child.transfer
            enrolment_transfer(student=child.student, to_class=to_class.obj, on_date=on_date)
        if child.leaves_on:
            enrolment = Enrolment.objects.get(student=child.student, end_date__isnull=True)
            enrolment_end(
                enrolment=enrolment, end_date=child.leaves_on, reason=Enrolment.LeaveReason.TRANSFER_SCHOOL
            )


def _subgroups_fill(plan: SchoolPlan, subgroups: dict[tuple[ClassPlan, str], Subgroup]) -> None:
    """Each class's current students split in alphabetical halves between the two English groups."""
    members: dict[ClassPlan, list[Child]] = {}
    for child in plan.children():
        if child.leaves_on is None and child.current_class.grade >= 5:
            members.setdefault(child.current_class, []).append(child)
    through = Subgroup.students.through
    rows = []
    for school_class, children in members.items():
        children.sort(key=lambda c: _alphabetical(c.student))
        half = math.ceil(len(children) / 2)
        for i, child in enumerate(children):
            subgroup = subgroups[school_class, SUBGROUPS[0 if i < half else 1]]
            rows.append(through(subgroup_id=subgroup.pk, student_id=child.student.pk))
    through.objects.bulk_create(rows, batch_size=1000)


def _alphabetical(student: Student) -> tuple[str, ...]:
    # Ё sorts after Я in code points; in the alphabet it goes with Е.
    return tuple(
        p.replace("Ё", "Е").replace("ё", "е")
        for p in (student.last_name, student.first_name, student.middle_name)
    )


def demo_summary() -> DemoSummary:
    year = AcademicYear.objects.get(is_current=True)
    reasons = Enrolment.objects.filter(school_class__academic_year=year)
    return DemoSummary(
        school=School.objects.get(pk=1).short_name,
        year=year.name,
        classes=SchoolClass.objects.filter(academic_year=year).count(),
        students=Student.objects.count(),
        student_accounts=Student.objects.filter(user__isnull=False).count(),
        teachers=UserRole.objects.filter(role=Role.TEACHER).count(),
        parents=Guardianship.objects.values("guardian").distinct().count(),
        guardianships=Guardianship.objects.count(),
        assignments=TeachingAssignment.objects.filter(
            class_subject__school_class__academic_year=year
        ).count(),
        transfers=reasons.filter(leave_reason=Enrolment.LeaveReason.TRANSFER_CLASS).count(),
        leavers=reasons.filter(leave_reason=Enrolment.LeaveReason.TRANSFER_SCHOOL).count(),
    )


def demo_school_flush() -> None:
    """Deletes the school, its structure, every student and every account. For tests and benchmarks only.

    Refuses (DomainError) once the journal holds lessons or marks: those are kept, never flushed.
    """
    try:
        with transaction.atomic():
            Enrolment.objects.all().delete()
            TeachingAssignment.objects.all().delete()
            SchoolClass.objects.all().delete()
            AcademicYear.objects.all().delete()
            Subject.objects.all().delete()
            Student.objects.all().delete()
            UserObjectPermission.objects.all().delete()
            GroupObjectPermission.objects.all().delete()
            User.objects.all().delete()
            School.objects.all().delete()
    except IntegrityError as error:  # ProtectedError included
        raise DomainError(
            _("The school already has journal records; only a fresh demo school can be deleted."),
            code="flush_refused",
        ) from error


# ---------------------------------------------------------------------------------------------------
# The demo logins, read back from the database


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    who: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist now, each described from the database."""
    users = User.objects.in_bulk([username for username, _role in DEMO_LOGINS], field_name="username")
    return [
        DemoLogin(role, username, settings.DEMO_PASSWORD, _describe(users[username]))
        for username, role in DEMO_LOGINS
        if username in users
    ]


def _describe(user: User) -> str:
    parts = [user.full_name]
    led = SchoolClass.objects.filter(class_teacher=user, academic_year__is_current=True)
    if led:
        parts.append("кл. руководитель " + ", ".join(c.name for c in led))
    taught: dict[str, list[str]] = {}
    assignments = TeachingAssignment.objects.filter(
        teacher=user, class_subject__school_class__academic_year__is_current=True
    ).select_related("class_subject__subject", "class_subject__school_class")
    for assignment in assignments:
        classes = taught.setdefault(assignment.class_subject.subject.short_name, [])
        if assignment.class_subject.school_class.name not in classes:
            classes.append(assignment.class_subject.school_class.name)
    parts += [f"{subject} ({_listed(classes)})" for subject, classes in taught.items()]
    children = Student.objects.filter(guardianships__guardian=user)
    if children:
        parts.append("дети: " + ", ".join(f"{c.short_name} ({_class_name(c)})" for c in children))
    own = Student.objects.filter(user=user).first()
    if own is not None:
        parts.append(f"{'ученица' if own.gender == Student.Gender.FEMALE else 'ученик'} {_class_name(own)}")
    return "; ".join(parts)


def _listed(names: list[str], limit: int = 6) -> str:
    return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f" … всего {len(names)}"


def _class_name(student: Student) -> str:
    enrolment = (
        Enrolment.objects.filter(
            student=student, end_date__isnull=True, school_class__academic_year__is_current=True
        )
        .select_related("school_class")
        .first()
    )
    return f"{enrolment.school_class.name} класс" if enrolment else "выбыл(а)"


def format_demo_logins(rows: list[DemoLogin]) -> str:
    """A plain-text table for the console."""
    table = [("Роль", "Логин", "Пароль", "Кто это")] + [(r.role, r.username, r.password, r.who) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in [*widths, len("Кто это")]))
    return "\n".join(lines)
