"""Awards: year-end proposals from the school's rules, the deputy's decisions, orders for many students
at once, and the order's PDF for the director to sign.

The rules of the proposals (`proposal_drafts`, pure; the year's data comes from `award_proposals_generate`):
1. «Похвальный лист "За отличные успехи в учении"» (area: academic) — grades 2–11, at least one five-point
   annual mark, and every annual mark of the year is 5 (a pass/fail subject must be passed; any «н/а» or
   fail excludes the student).
2. «Похвальная грамота "За особые успехи в изучении отдельных предметов"» (academic, per subject) — annual 5
   in the subject and a VERIFIED olympiad item of that subject dated within the year; the items are its
   basis.
3. «Благодарность» — first place in the class rating for the year (ties share it) with at least one
   verified item's points; the area follows the kind of the items that gave the most points.
Proposals are made once per student, rule and subject; regenerating adds only new ones and never touches
a decided proposal.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import Student
from gradebook.models import AcademicYear, School, TermMark
from gradebook.reports.render_pdf import html_to_pdf
from portfolio import rating, selectors
from portfolio.models import (
    Area,
    Award,
    AwardKind,
    AwardOrder,
    AwardProposal,
    ItemKind,
    PortfolioHistory,
    PortfolioItem,
)
from portfolio.services import history_write

KIND_AREA = {
    ItemKind.OLYMPIAD: Area.ACADEMIC,
    ItemKind.CONTEST: Area.CREATIVE,
    ItemKind.CONFERENCE: Area.SCIENTIFIC,
    ItemKind.SPORT: Area.SPORT,
    ItemKind.GTO: Area.PHYSICAL,
    ItemKind.STATUS: Area.SPORT,
    ItemKind.VOLUNTEERING: Area.SOCIAL,
    ItemKind.SELF_GOVERNMENT: Area.SOCIAL,
    ItemKind.PROJECT: Area.TECHNICAL,
    ItemKind.RESEARCH: Area.SCIENTIFIC,
    ItemKind.CREATIVE: Area.CREATIVE,
    ItemKind.CERTIFICATE: Area.ACADEMIC,
}


@dataclass(frozen=True)
class AnnualMark:
    subject_id: int
    value: int | None  # None for a pass/fail subject
    passed: bool | None
    not_attested: bool


@dataclass(frozen=True)
class Olympiad:
    item_id: int
    subject_id: int | None


@dataclass(frozen=True)
class PointedKind:
    kind: str
    points: int


@dataclass(frozen=True)
class Draft:
    student_id: int
    rule: str
    kind: str
    area: str
    subject_id: int | None = None
    item_ids: tuple[int, ...] = ()


def _all_fives(marks: list[AnnualMark]) -> bool:
    numeric = [m for m in marks if m.value is not None]
    if not numeric:
        return False
    return all(not m.not_attested and (m.value == 5 if m.value is not None else m.passed) for m in marks)


def proposal_drafts(
    *,
    grades: dict[int, int],
    annual: dict[int, list[AnnualMark]],
    olympiads: dict[int, list[Olympiad]],
    class_places: dict[int, int],
    item_kinds: dict[int, list[PointedKind]],
) -> list[Draft]:
    """The proposals the three rules of the module docstring give for one year's data."""
    drafts = []
    for student_id, grade in sorted(grades.items()):
        marks = annual.get(student_id, [])
        if grade >= 2 and _all_fives(marks):
            drafts.append(
                Draft(student_id, AwardProposal.Rule.ALL_FIVES, AwardKind.HONOUR_LIST, Area.ACADEMIC)
            )
        fives = {m.subject_id for m in marks if m.value == 5 and not m.not_attested}
        by_subject = defaultdict(list)
        for o in olympiads.get(student_id, []):
            if o.subject_id in fives:
                by_subject[o.subject_id].append(o.item_id)
        for subject_id, items in sorted(by_subject.items()):
            drafts.append(
                Draft(
                    student_id,
                    AwardProposal.Rule.SUBJECT_OLYMPIAD,
                    AwardKind.SUBJECT_CERTIFICATE,
                    Area.ACADEMIC,
                    subject_id,
                    tuple(sorted(items)),
                )
            )
        kinds = item_kinds.get(student_id, [])
        if class_places.get(student_id) == 1 and sum(k.points for k in kinds) > 0:
            by_kind = Counter()
            for k in kinds:
                by_kind[k.kind] += k.points
            best = min(by_kind, key=lambda kind: (-by_kind[kind], kind))
            drafts.append(
                Draft(
                    student_id, AwardProposal.Rule.RATING_TOP, AwardKind.GRATITUDE, KIND_AREA[ItemKind(best)]
                )
            )
    return drafts


def _year_inputs(year: AcademicYear) -> dict:
    period = rating.Period(year.start_date, year.end_date)
    ranking = selectors.school_ranking(period=period)
    ids = [s.student_id for s in ranking.standings]
    annual = defaultdict(list)
    for sid, subject_id, value, passed, not_attested in TermMark.objects.filter(
        student_id__in=ids, kind=TermMark.Kind.ANNUAL, class_subject__school_class__academic_year=year
    ).values_list("student_id", "class_subject__subject_id", "value", "passed", "not_attested"):
        annual[sid].append(AnnualMark(subject_id, value, passed, not_attested))
    olympiads, item_kinds = defaultdict(list), defaultdict(list)
    table = selectors.points_table()
    for item_id, sid, kind, subject_id, level, result in selectors.verified_items(
        student_ids=ids, period=period
    ).values_list("pk", "student_id", "kind", "subject_id", "level", "result"):
        if kind == ItemKind.OLYMPIAD:
            olympiads[sid].append(Olympiad(item_id, subject_id))
        item_kinds[sid].append(PointedKind(kind, rating.item_points(table, level=level, result=result)))
    return {
        "grades": {s.student_id: s.grade for s in ranking.standings},
        "annual": annual,
        "olympiads": olympiads,
        "class_places": {s.student_id: s.class_place for s in ranking.standings},
        "item_kinds": item_kinds,
    }


@transaction.atomic
def award_proposals_generate(*, user, year: AcademicYear) -> list[AwardProposal]:
    """Creates the proposals the rules give for the year that do not exist yet; returns the new ones."""
    created = []
    for d in proposal_drafts(**_year_inputs(year)):
        proposal, is_new = AwardProposal.objects.get_or_create(
            academic_year=year,
            student_id=d.student_id,
            rule=d.rule,
            subject_id=d.subject_id,
            defaults={"kind": d.kind, "area": d.area},
        )
        if not is_new:
            continue
        proposal.basis_items.set(d.item_ids)
        history_write(
            actor=user,
            student_id=d.student_id,
            entity=PortfolioHistory.Entity.PROPOSAL,
            entity_id=proposal.pk,
            action=PortfolioHistory.Action.CREATE,
            new={"rule": d.rule, "kind": d.kind, "subject": d.subject_id, "items": list(d.item_ids)},
        )
        created.append(proposal)
    return created


@transaction.atomic
def award_proposal_decide(*, user, proposal: AwardProposal, accept: bool) -> AwardProposal:
    """Accepts (to be included in an order) or dismisses a proposal. A proposal in an order is final."""
    proposal = AwardProposal.objects.select_for_update(of=("self",)).get(pk=proposal.pk)
    if proposal.award_id is not None:
        raise DomainError(_("This proposal is already in an award order."), code="in_order")
    old = proposal.status
    proposal.status = AwardProposal.Status.ACCEPTED if accept else AwardProposal.Status.DISMISSED
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    history_write(
        actor=user,
        student_id=proposal.student_id,
        entity=PortfolioHistory.Entity.PROPOSAL,
        entity_id=proposal.pk,
        action=PortfolioHistory.Action.ACCEPT if accept else PortfolioHistory.Action.DISMISS,
        old={"status": old},
        new={"status": proposal.status},
    )
    return proposal


@dataclass(frozen=True)
class AwardLine:
    """A student of a new order typed by the deputy (not from a proposal)."""

    student: Student
    kind: str
    area: str
    wording: str = ""
    items: tuple[PortfolioItem, ...] = ()


@transaction.atomic
def award_order_create(
    *, user, number: str, on: date, title: str, proposals=(), lines: tuple[AwardLine, ...] = ()
) -> AwardOrder:
    """An order awarding every accepted proposal given and every typed line, in one transaction."""
    number, title = number.strip(), title.strip()
    if not number or not title:
        raise DomainError(_("Give the order's number and title."), code="order_fields")
    proposals = list(
        AwardProposal.objects.select_for_update(of=("self",))
        .filter(pk__in=[p.pk for p in proposals])
        .order_by("pk")
    )
    if not proposals and not lines:
        raise DomainError(_("Choose at least one student to award."), code="order_empty")
    if any(p.status != AwardProposal.Status.ACCEPTED or p.award_id for p in proposals):
        raise DomainError(
            _("Only accepted proposals not yet in an order can be included."), code="proposal_state"
        )
    for line in lines:
        if line.kind not in AwardKind.values or line.area not in Area.values:
            raise DomainError(_("Choose the award and its activity area."), code="award_fields")
        if any(item.student_id != line.student.pk or not item.is_verified for item in line.items):
            raise DomainError(
                _("An award is based only on the student's verified achievements."), code="basis"
            )
    if AwardOrder.objects.filter(number=number, date=on).exists():
        raise DomainError(_("An order with this number and date already exists."), code="order_exists")
    order = AwardOrder.objects.create(number=number, date=on, title=title, created_by=user)
    for p in proposals:
        award = _award(user, order, p.student_id, p.kind, p.area, p.subject_id, "", list(p.basis_items.all()))
        p.award = award
        p.save(update_fields=["award"])
    for line in lines:
        _award(user, order, line.student.pk, line.kind, line.area, None, line.wording, list(line.items))
    return order


def _award(user, order, student_id, kind, area, subject_id, wording, items) -> Award:
    award = Award.objects.create(
        order=order, student_id=student_id, kind=kind, area=area, subject_id=subject_id, wording=wording
    )
    award.basis_items.set(items)
    history_write(
        actor=user,
        student_id=student_id,
        entity=PortfolioHistory.Entity.AWARD,
        entity_id=award.pk,
        action=PortfolioHistory.Action.CREATE,
        new={
            "order": str(order),
            "kind": kind,
            "area": area,
            "subject": subject_id,
            "items": [i.pk for i in items],
        },
    )
    return award


def award_order_html(order: AwardOrder) -> str:
    awards = list(
        order.awards.select_related("student", "subject")
        .prefetch_related("basis_items")
        .order_by("kind", "student__last_name", "student__first_name")
    )
    classes = selectors.classes_on(student_ids=[a.student_id for a in awards], day=order.date)
    rows = [(a, classes.get(a.student_id, "")) for a in awards]
    return render_to_string(
        "documents/award_order.html", {"order": order, "rows": rows, "school": School.objects.first()}
    )


def award_order_pdf(order: AwardOrder) -> bytes:
    return html_to_pdf(award_order_html(order), left=str(order), right="")
