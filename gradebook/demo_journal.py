"""The demo school's class journal from 1 September to a given day, written after `build_demo_school`.

`build_demo_journal(seed=..., until=...)` plans the journal in memory with one random generator and
writes it in one transaction, so the same school, seed and `until` give the same journal:

- lessons of every teaching assignment (subgroups included) on a Monday–Friday timetable made from the
  curriculum's weekly hours, skipping weekends, public holidays and the holidays between terms; each
  with a work type (mostly «Ответ на уроке», a «Контрольная» every 8th lesson, «Итоговая» at the end
  of the term), a topic and homework;
- attendance (short illnesses, family reasons, skipped lessons, lateness, and a few long illnesses)
  and marks from each student's profile (отличник, хорошист, one «3», average, weak) on about a third
  of the class per lesson, everyone present on tests; grade 1 gets «базовый уровень» on its checks;
- for every term that ended by `until` (grades 2–11): term marks as gradebook.rules suggests (about 1%
  set otherwise, with the teacher's reason), annual marks once all terms ended, and the terms closed
  by the deputy; about ten correction requests on the first quarter, filed and decided through
  gradebook.journal_services.

Every lesson, mark, attendance entry and term mark gets its JournalHistory "create" row with the
teacher as actor and the same `new` state the services write.

Timestamps: the ORM stamps `auto_now` / `auto_now_add` fields with the current time on every insert
(bulk_create too), and PostgreSQL refuses UPDATE on the history, so backdated rows cannot be written
through the ORM. Marks, attendance, term marks and history are therefore written by `_insert` (COPY on
PostgreSQL, INSERT elsewhere) with exactly the columns the models define and values prepared by the
model fields, so that `updated_at` and `at` tell when a teacher would have written them: during the
lesson (term marks: the term's last afternoon), never later than now. Lessons have no timestamp and go
through bulk_create. Closures and corrections go through the services and carry the real time of
generation, after everything else. Speed: about 10 s for 1,100 students up to late November on SQLite.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Role, Student
from gradebook.demo import SUBJECTS
from gradebook.journal_services import correction_request_create, correction_request_decide, term_close
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    Attendance,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    GradingPolicy,
    JournalHistory,
    Lesson,
    Mark,
    SchoolClass,
    Subgroup,
    TeachingAssignment,
    Term,
    TermMark,
    WorkType,
)
from gradebook.rules import NOT_ATTESTED, Thresholds, suggest_annual_mark, suggest_term_mark

User = get_user_model()

BATCH = 5000
FLUSH_LESSONS = 2000  # lessons kept in memory before they and their marks are written
HOLIDAYS = frozenset({(11, 4), (2, 23), (3, 8), (5, 1), (5, 9)})  # (month, day) off inside terms
FIRST_LESSON, LESSON_STEP = time(8, 30), timedelta(minutes=55)
TEST_EVERY = 8
ABSENT, LATE_KIND = Attendance.Kind.ABSENT.value, Attendance.Kind.LATE.value
WORK_ANSWER, WORK_INDEPENDENT = "Ответ на уроке", "Самостоятельная работа"
WORK_TEST, WORK_FINAL, WORK_CHECK = "Контрольная работа", "Итоговая работа", "Проверочная работа"
TERM_WORDS = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие"}

# Profiles: share of students, and P(5), P(4) of a five-point subject's target mark (the rest is 3).
PROFILES = (
    ("excellent", 0.10, 1.0, 0.0),
    ("good", 0.40, 0.45, 0.55),
    ("one_three", 0.10, 0.45, 0.55),  # and one subject at 3
    ("average", 0.35, 0.10, 0.45),
    ("weak", 0.05, 0.0, 0.15),  # and one or two subjects at 2
)
ABILITY = {name: (p5, p4) for name, _share, p5, p4 in PROFILES} | {"ill": (0.10, 0.45)}
# Lesson marks around a target: cumulative (probability, mark).
MARK_CDF = {
    5: ((0.9, 5), (1.0, 4)),
    4: ((0.3, 5), (0.85, 4), (1.0, 3)),
    3: ((0.03, 5), (0.25, 4), (0.9, 3), (1.0, 2)),
    2: ((0.03, 4), (0.3, 3), (1.0, 2)),
}
LONG_ILLNESS, WINTER_ILLNESS = 0.008, 0.01  # shares away for weeks («б») in the first term / in winter
SICK_START, EXCUSED_START = 0.0055, 0.003  # a day that starts an illness / a family absence
SKIPPED, LATE = 0.006, 0.008  # per lesson

_topics = {
    "rus": "Повторение изученного|Звуки и буквы. Фонетический разбор|Состав слова|Имя существительное|"
    "Безударные гласные в корне|Словосочетание и предложение|Главные члены предложения|"
    "Однородные члены предложения|Прямая речь и диалог|Развитие речи: изложение",
    "litread": "Устное народное творчество|Русские народные сказки|Басни И. А. Крылова|"
    "Стихи о природе|Рассказы о детях|Внеклассное чтение",
    "lit": "Мифы и легенды|Басни И. А. Крылова|А. С. Пушкин. Лирика|М. Ю. Лермонтов. «Бородино»|"
    "Н. В. Гоголь. «Вечера на хуторе близ Диканьки»|И. С. Тургенев. «Муму»|"
    "Л. Н. Толстой. «Кавказский пленник»|Внеклассное чтение",
    "eng": "My family|Daily routine|Present Simple|At school|Past Simple|Travelling|"
    "Food and drinks|Future forms",
    "math": "Натуральные числа|Сложение и вычитание|Умножение и деление|Площади и объёмы|"
    "Обыкновенные дроби|Десятичные дроби|Текстовые задачи|Уравнения",
    "alg": "Алгебраические выражения|Линейные уравнения|Функции и графики|Степень с натуральным "
    "показателем|Многочлены|Формулы сокращённого умножения|Системы линейных уравнений",
    "alga": "Тригонометрические функции|Тригонометрические уравнения|Производная|Показательная функция|"
    "Логарифмы|Первообразная и интеграл",
    "geom": "Начальные геометрические сведения|Признаки равенства треугольников|Параллельные прямые|"
    "Четырёхугольники|Подобные треугольники|Окружность",
    "prob": "Представление данных|Описательная статистика|Случайная изменчивость|Графы|"
    "Вероятность и частота события",
    "inf": "Информация и информационные процессы|Устройство компьютера|Системы счисления|"
    "Алгоритмы и исполнители|Ветвления в Python|Циклы|Электронные таблицы",
    "world": "Природа и человек|Времена года|Растения и животные родного края|Наша Родина — Россия|"
    "Человек и общество|Правила безопасного поведения",
    "hist": "Первобытное общество|Древний Египет|Древняя Греция|Древний Рим|Русь в IX — начале XII века|"
    "Смутное время|Эпоха Петра I",
    "soc": "Человек и общество|Деятельность человека|Социальная сфера|Экономика|Право|Политика и власть",
    "geo": "Земля во Вселенной|План и карта|Литосфера|Гидросфера|Атмосфера и климат|Природные зоны",
    "bio": "Биология — наука о живой природе|Клетка|Ткани и органы растений|Многообразие животных|"
    "Человек и его здоровье|Экосистемы",
    "phys": "Физические величины|Механическое движение|Масса и плотность|Силы в природе|Давление|"
    "Работа и мощность|Тепловые явления|Электрические явления",
    "chem": "Первоначальные химические понятия|Атомы и молекулы|Кислород. Горение|Вода. Растворы|"
    "Классы неорганических соединений|Периодический закон",
    "orkse": "Россия — наша Родина|Культура и мораль|Добро и зло|Долг и совесть|Семья|"
    "Праздники народов России",
    "odnknr": "Культура как социальность|Семья — хранитель духовных ценностей|Культурное многообразие "
    "России|Духовно-нравственные ценности|Родина и патриотизм",
    "art": "Линия и штрих|Основы цветоведения|Декоративно-прикладное искусство|Народные промыслы|"
    "Натюрморт|Пейзаж",
    "music": "Музыка моего края|Русская классическая музыка|Музыка народов мира|Духовная музыка|"
    "Музыкальный театр|Современная музыка",
    "tech": "Технологии вокруг нас|Материалы и их свойства|Обработка древесины|Ручные инструменты|"
    "Проектная работа|Робототехника",
    "obzr": "Безопасность в быту|Первая помощь|Безопасность на дорогах|Чрезвычайные ситуации|"
    "Основы обороны государства",
    "pe": "Бег на короткие дистанции|Прыжок в длину с места|Гимнастика|Баскетбол|Волейбол|"
    "Лыжная подготовка|Нормативы ГТО",
    "project": "Выбор темы проекта|Цель и задачи проекта|Работа с источниками|Планирование исследования|"
    "Оформление проекта|Подготовка к защите",
}
TOPICS = {SUBJECTS[key][0]: tuple(text.split("|")) for key, text in _topics.items()}
_homework = {
    "rus": "§ {p}, упр. {n}",
    "litread": "С. {page}–{page2}, выразительное чтение",
    "lit": "Прочитать с. {page}–{page2}, ответить на вопросы",
    "eng": "Ex. {q}, p. {page}",
    "math": "№ {n}, {n2}",
    "alg": "№ {n}, {n2}",
    "alga": "№ {n}, {n2}",
    "geom": "№ {n}, {n2}",
    "prob": "№ {n}",
    "art": "",
    "music": "",
    "tech": "",
    "pe": "",
    "project": "Продолжить работу над проектом",
}
HOMEWORK = {SUBJECTS[key][0]: text for key, text in _homework.items()}

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
OVERRIDES = ("учтена олимпиада", "учтены результаты итоговой работы", "учтена работа на уроках")
ILLNESS_OVERRIDE = "пропуски по болезни, сдал(а) зачёт по темам четверти"


@dataclass(frozen=True)
class JournalSummary:
    until: date
    lessons: int
    marks: int
    attendance: int
    term_marks: int
    annual_marks: int
    closed: int
    corrections: int
    history: int


# ---------------------------------------------------------------------------------------------------
# What the journal is made of, read once


@dataclass(frozen=True)
class _Term:
    id: int
    scheme: str
    number: int
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.number} {TERM_WORDS[self.scheme]}"

    @property
    def first_quarter(self) -> bool:
        return self.scheme == "quarter" and self.number == 1


@dataclass(eq=False)
class _Line:
    """A curriculum line with its assignments: (assignment id, members of its subgroup or None, teacher)."""

    id: int
    name: str
    scale: str
    hours: Decimal
    assignments: list[tuple[int, frozenset | None, int]] = field(default_factory=list)

    def teacher_of(self, student: int) -> int:
        mine = (teacher for _pk, group, teacher in self.assignments if group is None or student in group)
        return next(mine, self.assignments[0][2])


@dataclass(eq=False)
class _Class:
    obj: SchoolClass
    terms: list[_Term]
    lines: list[_Line] = field(default_factory=list)
    members: list[tuple[int, date, date]] = field(default_factory=list)  # (student, from, until)

    def members_on(self, day: date) -> list[int]:
        return [student for student, start, end in self.members if start <= day <= end]


@dataclass
class _School:
    year: AcademicYear
    classes: list[_Class]
    work: dict[str, tuple[int, Decimal]]  # work type name → (id, weight)
    thresholds: Thresholds
    min_marks: int
    deputy: User


@dataclass(eq=False)
class _Student:
    profile: str
    targets: dict[str, list[int]] = field(default_factory=dict)  # subject name → target mark per term
    absent: dict[date, str] = field(default_factory=dict)  # whole days away → attendance kind


def _load() -> _School:
    year = AcademicYear.objects.filter(is_current=True).first()
    deputy = User.objects.filter(staff_roles__role=Role.DEPUTY).order_by("pk").first()
    if year is None or deputy is None:
        raise DomainError(_("Create the demo school first."), code="no_school")
    schemes = dict(GradeTermScheme.objects.filter(academic_year=year).values_list("grade", "scheme"))
    terms = defaultdict(list)
    for t in Term.objects.filter(academic_year=year).order_by("scheme", "number"):
        terms[t.scheme].append(_Term(t.pk, t.scheme, t.number, t.start_date, t.end_date))
    classes = {
        c.pk: _Class(c, terms[schemes.get(c.grade)])
        for c in SchoolClass.objects.filter(academic_year=year).order_by("pk")
    }
    lines = {}
    for cs in ClassSubject.objects.filter(school_class__in=classes).select_related("subject").order_by("pk"):
        lines[cs.pk] = _Line(cs.pk, cs.subject.name, cs.scale, cs.hours_per_week)
        classes[cs.school_class_id].lines.append(lines[cs.pk])
    groups = defaultdict(set)
    through = Subgroup.students.through.objects.filter(subgroup__school_class__in=classes)
    for subgroup, student in through.values_list("subgroup_id", "student_id"):
        groups[subgroup].add(student)
    load = TeachingAssignment.objects.filter(class_subject__in=lines).order_by("pk")
    for pk, line, subgroup, teacher in load.values_list("pk", "class_subject", "subgroup", "teacher"):
        lines[line].assignments.append((pk, frozenset(groups[subgroup]) if subgroup else None, teacher))
    enrolments = Enrolment.objects.filter(school_class__in=classes).order_by("pk")
    for student, school_class, start, end in enrolments.values_list(
        "student", "school_class", "start_date", "end_date"
    ):
        classes[school_class].members.append((student, start, end or date.max))
    policy, _created = GradingPolicy.objects.get_or_create(id=1)
    return _School(
        year,
        list(classes.values()),
        {w.name: (w.pk, w.weight) for w in WorkType.objects.all()},
        Thresholds(policy.threshold_3, policy.threshold_4, policy.threshold_5),
        policy.min_marks,
        deputy,
    )


# ---------------------------------------------------------------------------------------------------
# Entry point


@transaction.atomic
def build_demo_journal(*, seed: int, until: date | None = None) -> JournalSummary:
    """Fills the current year's journal up to `until` (default: today); refuses a year that has lessons.

    Call after build_demo_school. The first user with the deputy role closes the terms and decides the
    corrections; everything else is written in the name of the assignment's teacher.
    """
    until = until or timezone.localdate()
    school = _load()
    in_year = {"assignment__class_subject__school_class__academic_year": school.year}
    if Lesson.objects.filter(**in_year).exists():
        raise DomainError(_("The journal of this year already has lessons."), code="journal_exists")
    if {WORK_ANSWER, WORK_INDEPENDENT, WORK_TEST, WORK_FINAL, WORK_CHECK} - school.work.keys():
        raise DomainError(_("The default work types are missing."), code="work_types_missing")
    rng = random.Random(f"journal:{seed}")
    out = _Writer(now=timezone.now())
    students = _plan_students(rng, school)
    for school_class in school.classes:
        _class_journal(rng, school, school_class, students, until, out)
    out.flush()
    results = _term_marks(rng, school, students, until, out)
    closed = _close_terms(school, until)
    corrections = _corrections(rng, school, out, results, until)
    _annual_marks(school, results, until, out)
    in_lessons = {f"lesson__{key}": value for key, value in in_year.items()}
    term_marks = TermMark.objects.filter(class_subject__school_class__academic_year=school.year)
    return JournalSummary(
        until=until,
        lessons=Lesson.objects.filter(**in_year).count(),
        marks=Mark.objects.filter(**in_lessons).count(),
        attendance=Attendance.objects.filter(**in_lessons).count(),
        term_marks=term_marks.filter(kind=TermMark.Kind.TERM).count(),
        annual_marks=term_marks.filter(kind=TermMark.Kind.ANNUAL).count(),
        closed=closed,
        corrections=corrections,
        history=JournalHistory.objects.filter(class_subject__school_class__academic_year=school.year).count(),
    )


# ---------------------------------------------------------------------------------------------------
# Students: profiles, target marks per subject, days away


def _plan_students(rng: random.Random, school: _School) -> dict[int, _Student]:
    subjects, first_class, whole_year = defaultdict(set), {}, set()
    for school_class in school.classes:
        names = {line.name for line in school_class.lines if line.scale == AssessmentScale.FIVE_POINT}
        for student, start, end in school_class.members:
            subjects[student] |= names
            first_class.setdefault(student, school_class)
            if start == school.year.start_date and end == date.max and 2 <= school_class.obj.grade <= 9:
                whole_year.add(student)
    students = {}
    for student in sorted(subjects):
        draw, profile = rng.random(), PROFILES[-1][0]
        for name, share, _p5, _p4 in PROFILES:
            draw -= share
            if draw < 0:
                profile = name
                break
        if profile != "excellent" and rng.random() < LONG_ILLNESS:
            profile = "ill"  # an average student away for most of the first term
        students[student] = _Student(profile)
    _force_each_kind(rng, students, sorted(whole_year))
    for student in sorted(students):
        plan = students[student]
        plan.targets = _targets(rng, plan.profile, sorted(subjects[student]))
        plan.absent = _absences(rng, school.year, first_class[student].terms, plan.profile == "ill")
    return students


def _force_each_kind(rng: random.Random, students: dict[int, _Student], eligible: list[int]) -> None:
    """Even a small school shows an отличник, a weak student and a long illness in grades 2–9."""
    for kind in ("excellent", "weak", "ill"):
        if eligible and not any(students[s].profile == kind for s in eligible):
            average = [s for s in eligible if students[s].profile == "average"] or eligible
            students[rng.choice(average)].profile = kind


def _targets(rng: random.Random, profile: str, names: list[str]) -> dict[str, list[int]]:
    """The mark each five-point subject tends to, in each of up to four terms."""
    p5, p4 = ABILITY[profile]
    base = {}
    for name in names:
        draw = rng.random()
        base[name] = 5 if draw < p5 else 4 if draw < p5 + p4 else 3
    if names and profile == "one_three":
        base[rng.choice(names)] = 3
    if names and profile == "weak":
        for name in rng.sample(names, min(len(names), rng.choice((1, 1, 2)))):
            base[name] = 2
    targets = {}
    for name in names:
        marks = [base[name]]
        for _term in range(3):
            drift = 0 if profile == "excellent" or rng.random() >= 0.15 else rng.choice((-1, 1))
            marks.append(min(5, max(2 if marks[-1] == 2 else 3, marks[-1] + drift)))
        targets[name] = marks
    return targets


def _absences(rng: random.Random, year: AcademicYear, terms: list[_Term], ill: bool) -> dict[date, str]:
    """Whole days away: short illnesses («б»), family reasons («уп») and long illnesses."""
    absent, day, left, kind = {}, year.start_date, 0, Attendance.Kind.SICK
    while day <= (terms[-1].end if terms else year.end_date):
        if day.weekday() < 5:
            if left:
                absent[day], left = kind, left - 1
            else:
                draw = rng.random()
                if draw < SICK_START:
                    kind, left = Attendance.Kind.SICK, rng.randint(2, 7)
                elif draw < SICK_START + EXCUSED_START:
                    kind, left = Attendance.Kind.EXCUSED, rng.randint(1, 2)
        day += timedelta(days=1)
    stretches = []
    if ill and terms:
        stretches.append((terms[0].start + timedelta(days=rng.randint(5, 12)), rng.randint(30, 38)))
    if rng.random() < WINTER_ILLNESS:
        stretches.append((date(year.start_date.year + 1, 1, rng.randint(15, 31)), rng.randint(15, 25)))
    for day, days in stretches:
        while days:
            if day.weekday() < 5:
                absent[day], days = Attendance.Kind.SICK, days - 1
            day += timedelta(days=1)
    return absent


# ---------------------------------------------------------------------------------------------------
# Lessons, marks and attendance


def _timetable(rng: random.Random, lines: list[_Line]) -> list[list[tuple[_Line, float]]]:
    """Each weekday's lessons: (line, 1 or, for fractional hours, the share of weeks it is taught)."""
    days: list[list[tuple[_Line, float]]] = [[] for _day in range(5)]
    for line in sorted((line for line in lines if line.assignments), key=lambda line: -line.hours):
        whole, extra = int(line.hours), float(line.hours % 1)
        used: set[int] = set()
        for i in range(whole + (1 if extra else 0)):
            free = [d for d in range(5) if d not in used] or list(range(5))
            day = min(free, key=lambda d: (len(days[d]), rng.random()))
            used.add(day)
            days[day].append((line, extra if i == whole else 1.0))
    for lessons in days:
        rng.shuffle(lessons)
    return days


def _lesson_slots(school_class: _Class, days) -> dict[int, list[list[tuple[date, int]]]]:
    """Line id → for each term, (date, position in the day) of all the line's lessons in the term."""
    slots = defaultdict(lambda: [[] for _term in school_class.terms])
    monday = school_class.terms[0].start - timedelta(days=school_class.terms[0].start.weekday())
    for index, term in enumerate(school_class.terms):
        day = term.start
        while day <= term.end:
            if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
                week = (day - monday).days // 7
                for position, (line, share) in enumerate(days[day.weekday()]):
                    if share == 1 or math.floor((week + 1) * share) > math.floor(week * share):
                        slots[line.id][index].append((day, position))
            day += timedelta(days=1)
    return slots


def _class_journal(rng, school: _School, school_class: _Class, students, until: date, out) -> None:
    if not school_class.terms:
        return
    slots = _lesson_slots(school_class, _timetable(rng, school_class.lines))
    for line in school_class.lines:
        for assignment in line.assignments:
            number = 0  # the assignment's lessons so far: topics and homework move on
            for term, term_slots in zip(school_class.terms, slots[line.id], strict=True):
                context = (school, school_class, line, assignment, term, students, out)
                number = _term_lessons(rng, context, term_slots, until, number)


def _term_lessons(rng, context, slots: list[tuple[date, int]], until: date, number: int) -> int:
    """One assignment's lessons of one term up to `until`; returns the running lesson number."""
    school, school_class, line, (assignment_id, group, teacher), term, students, out = context
    grade, count, tz = school_class.obj.grade, len(slots), timezone.get_current_timezone()
    rate = min(0.6, max(0.3, 4.5 / max(count, 1)))  # a third of the class; enough marks in 1-hour subjects
    marked: dict[int, int] = defaultdict(int)  # marks this term: the teacher asks everyone in turn
    for index, (day, position) in enumerate(slots):
        if day > until:
            break
        kind = _work_kind(rng, grade, index, count)
        work_type, weight = school.work[kind]
        lesson = Lesson(
            assignment_id=assignment_id,
            date=day,
            work_type_id=work_type,
            topic=_topic(line.name, kind, number, term),
            homework=_homework(line.name, number) if grade > 1 and kind == WORK_ANSWER else "",
        )
        number += 1
        present, away = [], []
        for student in school_class.members_on(day):
            if group is not None and student not in group:
                continue
            absent = students[student].absent.get(day)
            if absent is None:
                draw = rng.random()
                absent = ABSENT if draw < SKIPPED else LATE_KIND if draw < SKIPPED + LATE else None
            if absent:
                away.append((student, absent))
            if absent in (None, LATE_KIND):
                present.append(student)
        share = _mark_share(kind, line.scale, rate)
        marks = []
        for student in present if share >= 1 else _pick(rng, present, marked, round(share * len(present))):
            value, passed = _mark(rng, line, students[student], term.number)
            marks.append((student, value, passed))
            marked[student] += 1
            out.results[line.id, student, term.id].append((value, passed, weight))
        moment = datetime.combine(day, FIRST_LESSON, tz) + position * LESSON_STEP
        out.lesson(lesson, line.id, teacher, moment, away, marks, first_quarter=term.first_quarter)
    return number


def _work_kind(rng: random.Random, grade: int, index: int, count: int) -> str:
    if grade == 1:  # no marks in grade 1: only checks of the basic level
        return WORK_CHECK if index % TEST_EVERY == TEST_EVERY - 1 else WORK_ANSWER
    if index == count - 1 and count >= 4:
        return WORK_FINAL
    if index % TEST_EVERY == TEST_EVERY - 1:
        return WORK_TEST
    return WORK_INDEPENDENT if rng.random() < 0.12 else WORK_ANSWER


def _mark_share(kind: str, scale: str, rate: float) -> float:
    """The share of the students present who get a mark."""
    if scale == AssessmentScale.NONE:
        return 0
    if scale == AssessmentScale.BASIC_LEVEL:
        return 1 if kind == WORK_CHECK else 0
    if kind in (WORK_TEST, WORK_FINAL):
        return 1
    return 0.7 if kind == WORK_INDEPENDENT else rate


def _pick(rng: random.Random, present: list[int], marked: dict[int, int], count: int) -> list[int]:
    """Those asked at the lesson: mostly the ones with the fewest marks so far this term."""
    return sorted(present, key=lambda s: marked[s] + rng.random() * 1.5)[:count]


def _mark(rng: random.Random, line: _Line, student: _Student, term_number: int):
    """(value, passed) of one mark."""
    if line.scale == AssessmentScale.FIVE_POINT:
        draw = rng.random()
        cdf = MARK_CDF[student.targets[line.name][min(term_number, 4) - 1]]
        return next(mark for edge, mark in cdf if draw < edge), None
    return None, rng.random() < (0.8 if student.profile == "weak" else 0.95)


def _topic(subject: str, kind: str, number: int, term: _Term) -> str:
    topics = TOPICS.get(subject) or ("Тема урока",)
    topic = topics[(number // 3) % len(topics)]
    if kind == WORK_FINAL:
        return f"Итоговая работа за {term.label}"
    return f"{kind} по теме «{topic}»" if kind in (WORK_TEST, WORK_CHECK) else topic


def _homework(subject: str, number: int) -> str:
    page, task = 8 + 3 * number, 10 + 4 * number
    numbers = {"p": 1 + number // 2, "n": task, "n2": task + 3, "page": page, "page2": page + 4}
    return HOMEWORK.get(subject, "§ {p}, вопросы {q}–{q2}").format(
        q=1 + number % 6, q2=4 + number % 6, **numbers
    )


# ---------------------------------------------------------------------------------------------------
# Writing rows with their history

HISTORY = ("at", "actor", "entity", "entity_id", "action", "assignment", "class_subject", "student",
           "lesson_date", "old", "new", "reason")  # fmt: skip
MARK = ("lesson", "student", "value", "passed", "comment", "version", "updated_at", "updated_by")
ATTENDANCE = ("lesson", "student", "kind", "version", "updated_at", "updated_by")
TERM_MARK = ("class_subject", "student", "term", "kind", "value", "passed", "not_attested", "suggested",
             "overridden", "reason", "version", "updated_at", "updated_by")  # fmt: skip


def _history_row(at, actor, entity, pk, assignment, line, student, day, new, reason="") -> tuple:
    """A "create" row in HISTORY's order, as journal_services._history writes it."""
    return (at, actor, entity, pk, "create", assignment, line, student, day, None, new, reason)


class _Writer:
    """Keeps lessons with their marks and attendance, and writes them with their history in batches."""

    def __init__(self, *, now: datetime):
        self.now = now
        self.pending: list[tuple] = []
        self.results: dict[tuple[int, int, int], list] = defaultdict(list)  # (line, student, term) → marks
        self.first_quarter_lessons: list[int] = []  # ids of lessons with five-point marks
        self._db_values: dict = {}

    def lesson(self, lesson: Lesson, line_id, teacher, moment, away, marks, *, first_quarter: bool) -> None:
        self.pending.append((lesson, line_id, teacher, min(moment, self.now), away, marks, first_quarter))
        if len(self.pending) >= FLUSH_LESSONS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        Lesson.objects.bulk_create([row[0] for row in self.pending], batch_size=BATCH)
        history, marks, attendance, info = [], [], [], {}
        for lesson, line_id, teacher, moment, away, lesson_marks, first_quarter in self.pending:
            day = self.db_value(JournalHistory, "lesson_date", lesson.date)
            done = self.db_value(Mark, "updated_at", moment + timedelta(minutes=40))
            info[lesson.pk] = (lesson.assignment_id, line_id, teacher, day, done)
            state = {"date": lesson.date.isoformat(), "topic": lesson.topic, "homework": lesson.homework}
            state["work_type"] = lesson.work_type_id
            new = JournalHistory._meta.get_field("new").get_db_prep_save(state, connection)
            at = self.db_value(JournalHistory, "at", moment)
            history.append(
                _history_row(at, teacher, "lesson", lesson.pk, lesson.assignment_id, line_id, None, day, new)
            )
            marks += [
                (lesson.pk, s, value, passed, "", 1, done, teacher) for s, value, passed in lesson_marks
            ]
            attendance += [(lesson.pk, s, kind, 1, done, teacher) for s, kind in away]
            if first_quarter and lesson_marks and lesson_marks[0][1] is not None:
                self.first_quarter_lessons.append(lesson.pk)
        self.pending = []
        _insert(Mark, MARK, marks)
        _insert(Attendance, ATTENDANCE, attendance)
        # Read back for their ids: the history names every row it describes.
        cells = Mark.objects.filter(lesson_id__in=list(info)).values_list(
            "pk", "lesson", "student", "value", "passed"
        )
        for pk, lesson_id, student, value, passed in cells:
            assignment, line_id, teacher, day, done = info[lesson_id]
            new = self.json({"value": value, "passed": passed, "comment": ""})
            history.append(_history_row(done, teacher, "mark", pk, assignment, line_id, student, day, new))
        cells = Attendance.objects.filter(lesson_id__in=list(info)).values_list(
            "pk", "lesson", "student", "kind"
        )
        for pk, lesson_id, student, kind in cells:
            assignment, line_id, teacher, day, done = info[lesson_id]
            new = self.json({"kind": kind})
            history.append(
                _history_row(done, teacher, "attendance", pk, assignment, line_id, student, day, new)
            )
        _insert(JournalHistory, HISTORY, history)

    def db_value(self, model, name: str, value):
        """A field's value as the ORM would send it to the database (dates, aware times, JSON); memoised."""
        key = (model, name, tuple(value.items()) if isinstance(value, dict) else value)
        if key not in self._db_values:
            self._db_values[key] = model._meta.get_field(name).get_db_prep_save(value, connection)
        return self._db_values[key]

    def json(self, state: dict):
        return self.db_value(JournalHistory, "new", state)


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Writes rows of database-ready values into the model's table without the ORM (the module docstring
    says why): COPY on PostgreSQL (psycopg 3), batched executemany elsewhere."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


# ---------------------------------------------------------------------------------------------------
# Term and annual marks, closed terms


def _term_marks(rng, school: _School, students, until: date, out: _Writer) -> dict:
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


def _annual_marks(school: _School, results: dict, until: date, out: _Writer) -> None:
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


def _graded(school_class: _Class, day: date):
    """(line, student) for every assessed line and every student in the class on `day`."""
    members = sorted(set(school_class.members_on(day)))
    for line in school_class.lines:
        if line.scale in (AssessmentScale.FIVE_POINT, AssessmentScale.PASS_FAIL) and line.assignments:
            for student in members:
                yield line, student


def _term_result(rng, school: _School, line: _Line, student: _Student, marks: list) -> tuple[dict, str]:
    """(state, suggestion): what the rules suggest, set otherwise with a reason about once in a hundred."""
    if line.scale == AssessmentScale.PASS_FAIL:
        if not marks:
            return _state(None, None, True), ""
        return _state(None, sum(1 for _v, passed, _w in marks if passed) * 2 >= len(marks), False), ""
    values = [(value, weight) for value, _p, weight in marks]
    suggestion = suggest_term_mark(values, thresholds=school.thresholds, min_marks=school.min_marks)
    result = suggestion.result
    if result == NOT_ATTESTED:
        if student.profile == "ill" and values and rng.random() < 0.15:
            value = max(3, school.thresholds.round(suggestion.mean))
            return _state(value, None, False, ILLNESS_OVERRIDE), result
        return _state(None, None, True), result
    if result != "5" and rng.random() < 0.01:
        return _state(int(result) + 1, None, False, rng.choice(OVERRIDES)), result
    return _state(int(result), None, False), result


def _annual_result(school: _School, line: _Line, terms: list[dict]) -> tuple[dict, str]:
    if line.scale == AssessmentScale.PASS_FAIL:
        passed = [t["passed"] for t in terms if not t["not_attested"]]
        return (_state(None, all(passed), False) if passed else _state(None, None, True)), ""
    texts = [NOT_ATTESTED if t["not_attested"] else str(t["value"]) for t in terms]
    result = suggest_annual_mark(texts, thresholds=school.thresholds).result
    return (_state(None, None, True) if result == NOT_ATTESTED else _state(int(result), None, False)), result


def _state(value, passed, not_attested: bool, reason: str = "") -> dict:
    """A term mark in the history's shape (journal_services._term_mark_state)."""
    return {"value": value, "passed": passed, "not_attested": not_attested, "reason": reason}


def _term_marks_write(rows: list[tuple], out: _Writer) -> None:
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
    _insert(TermMark, TERM_MARK, prepared)
    history = []
    rows_written = TermMark.objects.filter(
        class_subject_id__in={row[0].id for row in rows}, kind__in={row[3] for row in rows}
    ).values_list("pk", "class_subject", "student", "term", "kind")
    for pk, line_id, student, term, kind in rows_written:
        at, teacher, state = written[line_id, student, term, kind]
        new = out.json(state)
        history.append(
            _history_row(at, teacher, "term_mark", pk, None, line_id, student, None, new, state["reason"])
        )
    _insert(JournalHistory, HISTORY, history)


def _close_terms(school: _School, until: date) -> int:
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


# ---------------------------------------------------------------------------------------------------
# Corrections of the closed first quarter


@dataclass
class _Request:
    teacher: int
    student: int
    new: str
    reason: str
    decision: tuple[bool, str] | None  # (approve, note); None: pending
    lesson: Lesson | None = None
    line: int | None = None  # for a term mark


def _corrections(rng, school: _School, out: _Writer, results: dict, until: date) -> int:
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
                results[r.line, r.student, first.id] = _state(int(r.new), None, False, r.reason)
    return len(requests)


def _mark_requests(rng, school: _School, out: _Writer, first: _Term) -> list[_Request]:
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


def _same_suggestion(school: _School, marks: list, value: int, new: int, weight: Decimal) -> bool:
    before = [(v, w) for v, _p, w in marks]
    after = list(before)
    after[after.index((value, weight))] = (new, weight)
    rules = {"thresholds": school.thresholds, "min_marks": school.min_marks}
    return suggest_term_mark(before, **rules).result == suggest_term_mark(after, **rules).result


def _term_requests(school: _School, results: dict, first: _Term) -> list[_Request]:
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
