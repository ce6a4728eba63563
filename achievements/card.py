"""The student's results card (Карта индивидуальных результатов): one year or every year of the student,
with subject results (term, annual and final marks, intermediate attestation, state exams), УУД levels with
the change from the previous year, verified portfolio items and awards, and the characteristic.

Public for other apps (the archive's personal file reads it):
- `results_card(student=, year=None, drafts=False) -> ResultsCard` — `year=None` gives every year the
  student was enrolled in, oldest first; `drafts=False` shows only a published characteristic (what the
  family and the personal file see). A fixed number of queries per year.
- `results_card_html(card)` / `results_card_pdf(card)` — the printable document.
The caller checks access first (achievements.access.access_card_student).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.template.loader import render_to_string

from accounts.models import Student
from achievements.models import Characteristic, Level, MetaSkillLevel
from achievements.rules import change_of
from achievements.selectors import active_indicators, characteristic_of
from gradebook.family_selectors import mark_text
from gradebook.models import (
    AcademicYear,
    Enrolment,
    IntermediateAttestation,
    School,
    StateExamResult,
    TermMark,
)
from gradebook.reports.render_pdf import html_to_pdf


@dataclass(frozen=True)
class SubjectLine:
    subject: str
    terms: tuple[str, ...]  # by term number 1…n ("" when none; «н/а» when not attested)
    annual: str
    final: str
    attestation: str


@dataclass(frozen=True)
class LevelLine:
    group: str
    indicator: str
    level: str  # Level value or ""
    level_label: str
    previous_label: str
    change: int | None  # +1 up, 0 same, −1 down; None without both years' levels


@dataclass(frozen=True)
class CardYear:
    year: AcademicYear
    class_name: str
    term_numbers: tuple[int, ...]
    subjects: list[SubjectLine]
    exams: list[StateExamResult]
    levels: list[LevelLine]
    items: list  # verified portfolio items of the year
    awards: list
    characteristic: Characteristic | None


@dataclass(frozen=True)
class ResultsCard:
    student: Student
    years: list[CardYear]
    all_years: bool


def years_of(student: Student) -> list[AcademicYear]:
    """The academic years the student was enrolled in, oldest first."""
    return list(
        AcademicYear.objects.filter(classes__enrolments__student=student).distinct().order_by("start_date")
    )


def results_card(*, student: Student, year: AcademicYear | None = None, drafts: bool = False) -> ResultsCard:
    years = [year] if year is not None else years_of(student)
    return ResultsCard(student, [_card_year(student, y, drafts) for y in years], year is None)


def _text(tm) -> str:
    return "н/а" if tm.not_attested else mark_text(tm.value, tm.passed)


def _card_year(student: Student, year: AcademicYear, drafts: bool) -> CardYear:
    enrolment = (
        Enrolment.objects.filter(student=student, school_class__academic_year=year)
        .select_related("school_class")
        .order_by("-start_date")
        .first()
    )
    subjects, term_numbers = _subjects(student, year)
    items, awards = _portfolio(student, year)
    return CardYear(
        year=year,
        class_name=enrolment.school_class.name if enrolment else "",
        term_numbers=term_numbers,
        subjects=subjects,
        exams=list(
            StateExamResult.objects.filter(
                student=student, exam_date__range=(year.start_date, year.end_date)
            ).select_related("subject")
        ),
        levels=_levels(student, year),
        items=items,
        awards=awards,
        characteristic=characteristic_of(student=student, year=year, drafts=drafts),
    )


def _subjects(student: Student, year: AcademicYear) -> tuple[list[SubjectLine], tuple[int, ...]]:
    marks = TermMark.objects.filter(
        student=student, class_subject__school_class__academic_year=year
    ).select_related("class_subject__subject", "term")
    by_subject: dict = defaultdict(lambda: {"terms": {}, "annual": "", "final": "", "attestation": ""})
    order: dict = {}
    for tm in marks:
        subject = tm.class_subject.subject
        order[subject.name] = (subject.order, subject.name)
        line = by_subject[subject.name]
        if tm.kind == TermMark.Kind.TERM and tm.term is not None:
            line["terms"][tm.term.number] = _text(tm)
        elif tm.kind == TermMark.Kind.ANNUAL:
            line["annual"] = _text(tm)
        elif tm.kind == TermMark.Kind.FINAL:
            line["final"] = _text(tm)
    for att in IntermediateAttestation.objects.filter(
        student=student, class_subject__school_class__academic_year=year
    ).select_related("class_subject__subject"):
        subject = att.class_subject.subject
        order[subject.name] = (subject.order, subject.name)
        text = "н/а" if att.not_attested else mark_text(att.value, att.passed)
        by_subject[subject.name]["attestation"] = (
            f"{att.get_form_display()}: {text}" if text else att.get_form_display()
        )
    numbers = tuple(sorted({n for line in by_subject.values() for n in line["terms"]}))
    lines = [
        SubjectLine(
            subject=name,
            terms=tuple(by_subject[name]["terms"].get(n, "") for n in numbers),
            annual=by_subject[name]["annual"],
            final=by_subject[name]["final"],
            attestation=by_subject[name]["attestation"],
        )
        for name in sorted(by_subject, key=lambda n: order[n])
    ]
    return lines, numbers


def previous_year(year: AcademicYear) -> AcademicYear | None:
    return AcademicYear.objects.filter(start_date__lt=year.start_date).order_by("-start_date").first()


def _levels(student: Student, year: AcademicYear) -> list[LevelLine]:
    before = previous_year(year)
    stored = {
        (lv.academic_year_id, lv.indicator_id): lv.level
        for lv in MetaSkillLevel.objects.filter(
            student=student, academic_year_id__in=[year.pk] + ([before.pk] if before else [])
        )
    }
    labels = dict(Level.choices)
    lines = []
    for ind in active_indicators():
        now = stored.get((year.pk, ind.pk), "")
        then = stored.get((before.pk, ind.pk), "") if before else ""
        if not now and not then:
            continue
        lines.append(
            LevelLine(
                group=ind.meta_skill.name,
                indicator=ind.name,
                level=now,
                level_label=str(labels.get(now, "")),
                previous_label=str(labels.get(then, "")),
                change=change_of(then, now),
            )
        )
    return lines


def _portfolio(student: Student, year: AcademicYear) -> tuple[list, list]:
    """Verified items and awards dated within the year; nothing when the portfolio app is not installed."""
    if not apps.is_installed("portfolio"):
        return [], []
    from portfolio.models import Award, PortfolioItem

    items = list(
        PortfolioItem.objects.filter(
            student=student,
            status=PortfolioItem.Status.VERIFIED,
            date__range=(year.start_date, year.end_date),
        ).order_by("date", "id")
    )
    awards = list(
        Award.objects.filter(student=student, order__date__range=(year.start_date, year.end_date))
        .select_related("order", "subject")
        .order_by("order__date", "id")
    )
    return items, awards


def results_card_html(card: ResultsCard) -> str:
    return render_to_string("documents/results_card.html", {"card": card, "school": School.objects.first()})


def results_card_pdf(card: ResultsCard) -> bytes:
    return html_to_pdf(results_card_html(card), left=card.student.full_name, right="")
