"""The sections of a personal-file year record: name → builder of {student_id: JSON data}.

A builder reads one year for many students with a fixed number of queries. Other apps add their
sections from their AppConfig.ready(): issue 6's `achievements` registers "characteristic" and
"results_card" with `personal_file_section_register(name, builder)`; year_close then writes them into
every record it makes, and the archive package prints every section it finds.
"""

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from gradebook.exam_selectors import exam_period
from gradebook.models import AcademicYear, IntermediateAttestation, StateExamResult, TermMark

Builder = Callable[[AcademicYear, list[int]], dict[int, object]]

SECTIONS: dict[str, Builder] = {}
TITLES: dict[str, str] = {}

# Headings of the columns of list sections, for the PDF and XLSX (a key not here is shown as it is).
COLUMNS = {
    "subject": _("Subject"),
    "mark": _("Mark"),
    "form": _("Form"),
    "date": _("Date"),
    "result": _("Result"),
    "exam": _("Exam"),
    "primary_score": _("Primary score"),
    "test_score": _("Test score"),
    "kind": _("Kind"),
    "wording": _("Wording"),
    "order": _("Order"),
}


def personal_file_section_register(name: str, builder: Builder, *, title=None, columns=None) -> None:
    """Adds a section; `columns` names the keys of its rows (or of its one dict) for the PDF and XLSX."""
    SECTIONS[name] = builder
    TITLES[name] = title or name
    COLUMNS.update(columns or {})


def section_title(name: str) -> str:
    return str(TITLES.get(name, name))


def _marks_of_kind(kind: str) -> Builder:
    def build(year: AcademicYear, student_ids: list[int]) -> dict[int, object]:
        found = defaultdict(list)
        rows = (
            TermMark.objects.filter(
                kind=kind, student_id__in=student_ids, class_subject__school_class__academic_year=year
            )
            .select_related("class_subject__subject")
            .order_by("class_subject__subject__order", "class_subject__subject__name")
        )
        for tm in rows:
            found[tm.student_id].append({"subject": tm.class_subject.subject.name, "mark": tm.display})
        return dict(found)

    return build


def _attestation(year: AcademicYear, student_ids: list[int]) -> dict[int, object]:
    found = defaultdict(list)
    rows = IntermediateAttestation.objects.filter(
        student_id__in=student_ids, class_subject__school_class__academic_year=year
    ).select_related("class_subject__subject")
    for a in rows.order_by("class_subject__subject__order", "class_subject__subject__name"):
        result = (
            "н/а"
            if a.not_attested
            else (str(a.value) if a.value is not None else ("зачёт" if a.passed else "незачёт"))
        )
        found[a.student_id].append(
            {
                "subject": a.class_subject.subject.name,
                "form": a.form,
                "date": a.date.isoformat(),
                "result": result,
            }
        )
    return dict(found)


def _state_exams(year: AcademicYear, student_ids: list[int]) -> dict[int, object]:
    start, end = exam_period(year)
    found = defaultdict(list)
    rows = StateExamResult.objects.filter(
        student_id__in=student_ids, exam_date__range=(start, end)
    ).select_related("subject")
    for r in rows.order_by("exam_date", "subject__name"):
        found[r.student_id].append(
            {
                "exam": r.kind,
                "subject": r.subject.name,
                "date": r.exam_date.isoformat(),
                "primary_score": r.primary_score,
                "test_score": r.test_score,
                "mark": r.mark,
            }
        )
    return dict(found)


def _awards(year: AcademicYear, student_ids: list[int]) -> dict[int, object]:
    from portfolio.models import Award

    found = defaultdict(list)
    rows = Award.objects.filter(
        student_id__in=student_ids, order__date__range=(year.start_date, year.end_date)
    ).select_related("order")
    for a in rows.order_by("order__date", "pk"):
        found[a.student_id].append(
            {"kind": a.kind, "wording": a.wording, "order": a.order.number, "date": a.order.date.isoformat()}
        )
    return dict(found)


personal_file_section_register("annual_marks", _marks_of_kind(TermMark.Kind.ANNUAL), title=_("Annual marks"))
personal_file_section_register("final_marks", _marks_of_kind(TermMark.Kind.FINAL), title=_("Final marks"))
personal_file_section_register("attestation", _attestation, title=_("Intermediate attestation"))
personal_file_section_register("state_exams", _state_exams, title=_("State exams"))
personal_file_section_register("awards", _awards, title=_("Awards"))
