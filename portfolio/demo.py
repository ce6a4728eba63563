"""The demo school's portfolio: items of every kind, level and state, scans, a rating, award proposals and
an order, external-credit applications and register entries. Deterministic: the same seed, school and date
give the same rows. Everything is written through the services, so the history is complete.

Called by `manage.py demo_school` after the journal. The demo logins get a visible share: the «parent»'s
children and the «student» have items in every state, the «classteacher»'s class has items waiting in the
review queue.
"""

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Guardianship, Student
from gradebook.models import AcademicYear, ClassSubject, Enrolment, SchoolClass
from gradebook.selectors import active_enrolment_q
from portfolio.awards import AwardLine, award_order_create, award_proposal_decide, award_proposals_generate
from portfolio.credits import CreditData, credit_request_create, credit_request_decide, gifted_entry_add
from portfolio.models import Award, AwardProposal, GtoBadge, ItemKind, Level, PortfolioItem, Result
from portfolio.services import ItemData, portfolio_item_create, portfolio_item_reject

User = get_user_model()
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SHARE_WITH_ITEMS = 0.35

TITLES = {
    ItemKind.OLYMPIAD: [
        "Всероссийская олимпиада школьников по предмету «{subject}»",
        "Олимпиада «{subject}» СПбГУ",
    ],
    ItemKind.CONTEST: [
        "Конкурс чтецов «Живая классика»",
        "Конкурс рисунков «Мой город»",
        "Конкурс «Кенгуру»",
    ],
    ItemKind.CONFERENCE: [
        "Научно-практическая конференция «Шаг в будущее»",
        "Конференция «Юные исследователи»",
    ],
    ItemKind.SPORT: ["Первенство по лёгкой атлетике", "Турнир по мини-футболу", "Соревнования по плаванию"],
    ItemKind.GTO: ["Знак отличия ГТО"],
    ItemKind.STATUS: ["Чемпион района по шахматам", "Призёр первенства области по самбо"],
    ItemKind.VOLUNTEERING: [
        "Акция «Чистый берег»",
        "Помощь приюту для животных",
        "Волонтёр «Бессмертного полка»",
    ],
    ItemKind.SELF_GOVERNMENT: ["Председатель совета обучающихся", "Староста класса"],
    ItemKind.PROJECT: ["Проект «Умная теплица»", "Групповой проект «История нашей улицы»"],
    ItemKind.RESEARCH: ["Исследование «Качество воды в реке»", "Работа «Диалекты нашего края»"],
    ItemKind.CREATIVE: ["Выставка рисунков", "Спектакль школьного театра", "Сборник стихов"],
    ItemKind.CERTIFICATE: ["Курс «Основы программирования на Python»", "Сертификат Cambridge A2 Key"],
}
ORGANISERS = ["Комитет по образованию", "Дом детского творчества", "РЦОД", "СПбГУ", "Школа", "Минпросвещения"]
OLYMPIAD_SUBJECTS = [
    "Математика",
    "Русский язык",
    "Физика",
    "Биология",
    "Информатика",
    "История",
    "Литература",
]
LEVEL_WEIGHTS = [40, 28, 16, 6, 7, 3]  # school … international
RESULT_WEIGHTS = [20, 30, 50]  # winner, prize-winner, participant
STATES = ["verified"] * 6 + ["submitted"] * 2 + ["rejected"]
REJECTIONS = ["Скан не читается", "Документ выдан другому ученику", "Нет подписи и печати организатора"]


@dataclass(frozen=True)
class PortfolioSummary:
    items: int
    verified: int
    submitted: int
    rejected: int
    evidence: int
    proposals: int
    awards: int
    credits: int
    registry: int


def scan_png(*, title: str, student: str) -> bytes:
    """A small «scanned diploma»: a framed PNG with the title and the name (DejaVu for Cyrillic)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (640, 450), (250, 246, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 627, 437), outline=(150, 110, 30), width=6)
    try:
        big, small = ImageFont.truetype(FONT, 40), ImageFont.truetype(FONT, 18)
    except OSError:
        big = small = ImageFont.load_default()
    draw.text((320, 90), "ДИПЛОМ", fill=(120, 20, 20), font=big, anchor="mm")
    draw.text((320, 170), student, fill=(20, 20, 20), font=small, anchor="mm")
    for row, start in enumerate(range(0, min(len(title), 150), 50)):
        draw.text(
            (320, 230 + 28 * row), title[start : start + 50], fill=(40, 40, 40), font=small, anchor="mm"
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _enrolled(year: AcademicYear, today: date) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(active_enrolment_q(on=today), school_class__academic_year=year)
        .select_related("student", "school_class__class_teacher")
        .order_by("student_id")
    )


def _guardians() -> dict[int, list]:
    guardians = {}
    for link in Guardianship.objects.select_related("guardian").order_by("id"):
        guardians.setdefault(link.student_id, []).append(link.guardian)
    return guardians


def _featured() -> set[int]:
    """Students the demo logins look at first: the «parent»'s children and the «student»."""
    ids = set(Student.objects.filter(guardianships__guardian__username="parent").values_list("pk", flat=True))
    ids |= set(Student.objects.filter(user__username="student").values_list("pk", flat=True))
    return ids


class Builder:
    def __init__(self, rng: random.Random, year: AcademicYear, until: date):
        self.rng, self.year, self.until = rng, year, until
        self.guardians = _guardians()
        self.subjects = {
            cs.subject.name: cs.subject
            for cs in ClassSubject.objects.filter(school_class__academic_year=year).select_related("subject")
        }
        self.deputy = User.objects.filter(staff_roles__role="deputy").order_by("id").first()
        self.evidence = 0

    def day(self) -> date:
        span = max((self.until - self.year.start_date).days, 0)
        return self.year.start_date + timedelta(days=self.rng.randint(0, span))

    def data(self, kind: str, school_class: SchoolClass, level: str | None = None) -> ItemData:
        rng = self.rng
        subject = None
        if kind == ItemKind.OLYMPIAD:
            names = [n for n in OLYMPIAD_SUBJECTS if n in self.subjects] or list(self.subjects)
            subject = self.subjects[rng.choice(names)] if names else None
        title = rng.choice(TITLES[kind]).format(subject=subject.name if subject else "")
        level = level or rng.choices(Level.values, LEVEL_WEIGHTS)[0]
        gto = kind == ItemKind.GTO
        return ItemData(
            kind=kind,
            title=title,
            organiser=rng.choice(ORGANISERS),
            date=self.day(),
            level=level,
            result=rng.choices(Result.values, RESULT_WEIGHTS)[0],
            subject=subject,
            official_list=kind in (ItemKind.OLYMPIAD, ItemKind.CONTEST)
            and level != Level.SCHOOL
            and rng.random() < 0.5,
            hours=rng.choice([4, 8, 12, 20, 36]) if kind == ItemKind.VOLUNTEERING else None,
            gto_badge=rng.choice(GtoBadge.values) if gto else "",
            gto_stage=min(max(school_class.grade // 2 + 1, 1), 18) if gto else None,
        )

    def item(self, enrolment: Enrolment, kind: str, state: str, with_scan: bool, level=None) -> PortfolioItem:
        student, teacher = enrolment.student, enrolment.school_class.class_teacher or self.deputy
        family = self.guardians.get(student.pk, [])
        data = self.data(kind, enrolment.school_class, level)
        files = []
        if with_scan:
            png = scan_png(title=data.title, student=student.full_name)
            files = [SimpleUploadedFile("скан диплома.png", png, content_type="image/png")]
            self.evidence += 1
        if state == "verified" or not (family or student.user):
            item = portfolio_item_create(
                user=teacher, student=student, data=data, files=files, verify=state == "verified"
            )
        else:
            author = family[0] if family else student.user
            item = portfolio_item_create(user=author, student=student, data=data, files=files)
        if state == "rejected":
            portfolio_item_reject(user=teacher, item=item, reason=self.rng.choice(REJECTIONS))
        return item


def build_demo_portfolio(*, seed: int, until: date | None = None) -> PortfolioSummary:
    """Writes the demo portfolio of the current year. Call after build_demo_journal, in its transaction."""
    until = min(until or timezone.localdate(), timezone.localdate())  # achievements are never in the future
    year = AcademicYear.objects.filter(is_current=True).first()
    if year is None or until < year.start_date:
        return PortfolioSummary(0, 0, 0, 0, 0, 0, 0, 0, 0)
    rng = random.Random(f"portfolio:{seed}")
    builder = Builder(rng, year, min(until, year.end_date))
    enrolments = _enrolled(year, min(until, year.end_date))
    featured = _featured()
    kinds = list(ItemKind.values)
    for index, enrolment in enumerate(enrolments):
        if enrolment.student_id in featured:
            for offset, state in enumerate(("verified", "verified", "submitted", "rejected")):
                builder.item(enrolment, kinds[(index + offset) % len(kinds)], state, with_scan=True)
        elif rng.random() < SHARE_WITH_ITEMS:
            for _n in range(rng.choice([1, 1, 2, 3])):
                builder.item(enrolment, rng.choice(kinds), rng.choice(STATES), with_scan=rng.random() < 0.15)
    # every kind, level and state at least once, in the first classes
    for n, (kind, level) in enumerate((k, lv) for k in kinds for lv in Level.values):
        if not PortfolioItem.objects.filter(kind=kind, level=level).exists() and enrolments:
            builder.item(enrolments[n % len(enrolments)], kind, "verified", with_scan=False, level=level)
    awards = _awards(rng, builder, year, enrolments)
    credits = _credits(rng, builder, enrolments)
    registry = _registry(builder)
    items = PortfolioItem.objects.all()
    return PortfolioSummary(
        items=items.count(),
        verified=items.filter(status="verified").count(),
        submitted=items.filter(status="submitted").count(),
        rejected=items.filter(status="rejected").count(),
        evidence=builder.evidence,
        proposals=AwardProposal.objects.count(),
        awards=awards,
        credits=credits,
        registry=registry,
    )


def _awards(rng, builder: Builder, year: AcademicYear, enrolments) -> int:
    if builder.deputy is None:
        return 0
    proposals = award_proposals_generate(user=builder.deputy, year=year)
    accepted = []
    for n, proposal in enumerate(proposals):
        if n % 4 == 3:
            award_proposal_decide(user=builder.deputy, proposal=proposal, accept=False)
        elif n % 4 != 2:  # every fourth stays proposed for the deputy to decide
            accepted.append(award_proposal_decide(user=builder.deputy, proposal=proposal, accept=True))
    sporty = PortfolioItem.objects.filter(
        status="verified", kind__in=[ItemKind.SPORT, ItemKind.GTO], result=Result.WINNER
    ).select_related("student")[:5]
    lines = tuple(
        AwardLine(
            student=i.student,
            kind="certificate",
            area="sport",
            wording="за победу в соревнованиях",
            items=(i,),
        )
        for i in sporty
    )
    half = len(accepted) // 2
    if accepted[:half] or lines:
        award_order_create(
            user=builder.deputy,
            number="147-у",
            on=min(builder.until, year.end_date),
            title="О поощрении обучающихся",
            proposals=accepted[:half],
            lines=lines,
        )
    return Award.objects.count()


CREDITS = [
    ("Детская школа искусств № 3", "Фортепиано, 4 класс", "переведён в 5 класс с оценкой «отлично»", 68),
    ("Спортивная школа олимпийского резерва", "Плавание", "II спортивный разряд", None),
    ("Онлайн-школа «Фоксфорд»", "Курс «Подготовка к олимпиадам по математике»", "сертификат, 92 балла", 36),
    ("Лицей № 239, летняя школа", "Физика: механика", "зачтено", 24),
    ("Музыкальная школа им. Римского-Корсакова", "Сольфеджио", "отлично", 34),
    ("Дом детского творчества", "Робототехника", "сертификат об окончании", 72),
]


def _credits(rng, builder: Builder, enrolments) -> int:
    with_family = [e for e in enrolments if builder.guardians.get(e.student_id)]
    featured = [e for e in with_family if e.student_id in _featured()]
    chosen = (featured + rng.sample(with_family, min(len(with_family), len(CREDITS))))[: len(CREDITS)]
    for n, (enrolment, (organisation, programme, result, hours)) in enumerate(
        zip(chosen, CREDITS, strict=False)
    ):
        png = scan_png(title=f"{organisation}: {programme}", student=enrolment.student.full_name)
        request = credit_request_create(
            user=builder.guardians[enrolment.student_id][0],
            student=enrolment.student,
            data=CreditData(organisation, programme, result, builder.day(), hours),
            files=[SimpleUploadedFile("справка.png", png, content_type="image/png")],
        )
        builder.evidence += 1
        if builder.deputy and n % 3 == 1:
            credit_request_decide(user=builder.deputy, request=request, accept=True)
        elif builder.deputy and n % 3 == 2:
            credit_request_decide(
                user=builder.deputy, request=request, accept=False, reason="Документ не заверен организацией"
            )
    return len(chosen)


def _registry(builder: Builder) -> int:
    if builder.deputy is None:
        return 0
    winners = (
        PortfolioItem.objects.filter(
            status="verified",
            kind=ItemKind.OLYMPIAD,
            result__in=[Result.WINNER, Result.PRIZE_WINNER],
            level__in=[
                Level.MUNICIPAL,
                Level.REGIONAL,
                Level.INTERREGIONAL,
                Level.ALL_RUSSIAN,
                Level.INTERNATIONAL,
            ],
        )
        .select_related("student", "subject")
        .order_by("id")[:4]
    )
    for n, item in enumerate(winners):
        gifted_entry_add(
            user=builder.deputy,
            student=item.student,
            basis=f"{item.get_result_display()}: {item.title}",
            entered_on=item.date,
            registry_number=f"ГИР-{item.date:%Y}-{1040 + n}",
            item=item,
        )
    return len(winners)
