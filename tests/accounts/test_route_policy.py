"""The access matrix: every route is in the policy table, and every persona gets what the table says.

Adding a page or endpoint without a line in config/access_policy.py, and for the project's own
routes without a case here, fails these tests.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.access_policy import PUBLIC, ROUTES, SIGNED_IN, policy_for
from tests.conftest import PERSONAS

PROJECT_APPS = ("accounts.", "gradebook.", "portfolio.", "achievements.", "archive.", "config.")


def walk(patterns=None, namespace=None):
    """(route name, callback) of every URL pattern, namespaced like reverse() wants it."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            # An unnamed pattern inside a namespace (admin's redirects) is ruled by its namespace.
            name = f"{namespace}:{p.name or '<unnamed>'}" if namespace else p.name
            yield name, p.callback


def is_project_route(callback) -> bool:
    module = getattr(callback, "__module__", "") or ""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        module = view_class.__module__
    return module.startswith(PROJECT_APPS)


@dataclass
class Case:
    url: callable
    allowed: dict  # persona → expected status
    method: str = "get"
    api: bool = False
    denied_status: int = 404
    data: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.allowed:
            return self.allowed[persona]
        if persona == "anonymous":
            return 401 if self.api else 302
        return self.denied_status


EVERY_SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]
TEACHERS = ["owner", "colleague", "other_teacher", "class_teacher", "other_class_teacher", "deputy"]
SEES_ANNA = ["owner", "colleague", "class_teacher", "own_parent", "student", "deputy", "director", "admin"]
SEES_CLASS_A = ["owner", "colleague", "class_teacher", "deputy", "director", "admin"]


def every(personas, status=200):
    return dict.fromkeys(personas, status)


JOURNAL_READERS = ["owner", "class_teacher", "deputy", "director", "admin"]


def math_journal(w):
    return w.math_a.assignments.get(teacher=w.teacher)


def a_lesson(w):
    from gradebook.journal_services import lesson_create
    from gradebook.models import Lesson, WorkType

    existing = Lesson.objects.filter(assignment=math_journal(w)).first()
    if existing:
        return existing
    return lesson_create(
        user=w.teacher,
        assignment=math_journal(w),
        on=a_school_day(w),
        work_type=WorkType.objects.order_by("order").first(),
    )


def a_school_day(w):
    from datetime import timedelta

    return w.year.start_date + timedelta(days=7)


def a_term_id(w):
    from gradebook.journal_services import term_of

    return term_of(school_class=w.class_a, on=a_school_day(w)).pk


def a_correction(w):
    from gradebook.journal_services import correction_request_create

    return correction_request_create(
        user=w.teacher, student=w.anna, lesson=a_lesson(w), new_value="4", reason="ошибка"
    )


def a_past_monday(w):
    """A Monday of the current year that is not in the future: the one the week can be confirmed for."""
    from datetime import timedelta

    from django.utils import timezone

    day = min(a_school_day(w), timezone.localdate())
    return (day - timedelta(days=day.weekday())).isoformat()


# Who may see anna but is not her guardian: refused the «ознакомлен» with 403, not 404.
SEES_ANNA_NOT_GUARDIAN = [p for p in SEES_ANNA if p != "own_parent"]


CASES = {
    "home": Case(lambda w: reverse("home"), {**every(EVERY_SIGNED_IN, 302), "outsider": 200}),
    "role_switch": Case(
        lambda w: reverse("role_switch"), every(EVERY_SIGNED_IN, 302), method="post", data={"role": "teacher"}
    ),
    "teacher_home": Case(lambda w: reverse("teacher_home"), every(TEACHERS)),
    "class_teacher_home": Case(
        lambda w: reverse("class_teacher_home"), every(["class_teacher", "other_class_teacher"], 302)
    ),
    "parent_home": Case(lambda w: reverse("parent_home"), every(["own_parent", "other_parent"])),
    "student_home": Case(lambda w: reverse("student_home"), every(["student", "other_student"], 302)),
    "school_overview": Case(lambda w: reverse("school_overview"), every(["deputy", "director", "admin"])),
    "class_detail": Case(lambda w: reverse("class_detail", args=[w.class_a.pk]), every(SEES_CLASS_A)),
    "student_detail": Case(lambda w: reverse("student_detail", args=[w.anna.pk]), every(SEES_ANNA)),
    "import_upload": Case(lambda w: reverse("import_upload"), every(["admin"])),
    "import_preview": Case(lambda w: reverse("import_preview"), every(["admin"])),
    # With nothing waiting to be imported the admin is sent back to the upload page.
    "import_commit": Case(lambda w: reverse("import_commit"), every(["admin"], 302), method="post"),
    "import_sample": Case(lambda w: reverse("import_sample", args=["staff", "csv"]), every(["admin"])),
    "api-me": Case(lambda w: reverse("api-me"), every(EVERY_SIGNED_IN), api=True),
    "api-my-children": Case(lambda w: reverse("api-my-children"), every(EVERY_SIGNED_IN), api=True),
    "api-my-classes": Case(lambda w: reverse("api-my-classes"), every(EVERY_SIGNED_IN), api=True),
    "api-student-detail": Case(
        lambda w: reverse("api-student-detail", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-schema": Case(lambda w: reverse("api-schema"), every(EVERY_SIGNED_IN), api=True),
    "api-docs": Case(lambda w: reverse("api-docs"), every(EVERY_SIGNED_IN), api=True),
    "journal": Case(lambda w: reverse("journal", args=[math_journal(w).pk]), every(JOURNAL_READERS)),
    "journal_lesson_create": Case(
        lambda w: reverse("journal_lesson_create", args=[math_journal(w).pk]),
        every(["owner"], 302),
        method="post",
        data={"date": "", "work_type": "", "topic": "Дроби"},
    ),
    "journal_lesson_update": Case(
        lambda w: reverse("journal_lesson_update", args=[math_journal(w).pk, a_lesson(w).pk]),
        every(["owner"], 302),
        method="post",
        data={"topic": "Дроби"},
    ),
    "journal_lesson_delete": Case(
        lambda w: reverse("journal_lesson_delete", args=[math_journal(w).pk, a_lesson(w).pk]),
        every(["owner"], 302),
        method="post",
    ),
    "journal_column_fill": Case(
        lambda w: reverse("journal_column_fill", args=[math_journal(w).pk, a_lesson(w).pk]),
        every(["owner"], 302),
        method="post",
        data={"value": "5"},
    ),
    "api-journal": Case(
        lambda w: reverse("api-journal", args=[math_journal(w).pk]), every(JOURNAL_READERS), api=True
    ),
    "api-journal-cell": Case(
        lambda w: reverse("api-journal-cell", args=[math_journal(w).pk]),
        every(["owner"]),
        method="post",
        api=True,
        data=lambda w: {"lesson": a_lesson(w).pk, "student": w.anna.pk, "op": "mark", "value": "5"},
    ),
    "api-journal-term-mark": Case(
        lambda w: reverse("api-journal-term-mark", args=[math_journal(w).pk]),
        every(["owner"]),
        method="post",
        api=True,
        data=lambda w: {"student": w.anna.pk, "term": a_term_id(w), "value": "5", "reason": "олимпиада"},
    ),
    "journal_year": Case(
        lambda w: reverse("journal_year", args=[math_journal(w).pk]), every(JOURNAL_READERS)
    ),
    "journal_history": Case(
        lambda w: reverse("journal_history", args=[math_journal(w).pk]), every(JOURNAL_READERS)
    ),
    "correction_request": Case(
        lambda w: reverse("correction_request", args=[math_journal(w).pk]),
        every(["owner"], 302),
        method="post",
        data=lambda w: {"lesson": a_lesson(w).pk, "student": w.anna.pk, "new_value": "5", "reason": "ошибка"},
    ),
    "rules": Case(lambda w: reverse("rules"), every(["deputy", "director"])),
    "terms": Case(lambda w: reverse("terms"), every(["deputy", "director", "admin"])),
    "term_close": Case(
        lambda w: reverse("term_close", args=[a_term_id(w)]),
        every(["deputy"], 302),
        method="post",
        data=lambda w: {"scope": f"class:{w.class_a.pk}", "force": "1"},
    ),
    "term_reopen": Case(
        lambda w: reverse("term_reopen", args=[a_term_id(w), w.class_a.pk]),
        every(["deputy"], 302),
        method="post",
    ),
    "corrections": Case(lambda w: reverse("corrections"), every(["deputy", "director"])),
    "correction_decide": Case(
        lambda w: reverse("correction_decide", args=[a_correction(w).pk]),
        every(["deputy"], 302),
        method="post",
        data={"decision": "reject", "note": "нет оснований"},
    ),
    "student_marks": Case(lambda w: reverse("student_marks", args=[w.anna.pk]), every(SEES_ANNA)),
    "student_diary": Case(lambda w: reverse("student_diary", args=[w.anna.pk]), every(SEES_ANNA)),
    "student_changes": Case(lambda w: reverse("student_changes", args=[w.anna.pk]), every(SEES_ANNA)),
    "student_dynamics": Case(lambda w: reverse("student_dynamics", args=[w.anna.pk]), every(SEES_ANNA)),
    "student_diary_acknowledge": Case(
        lambda w: reverse("student_diary_acknowledge", args=[w.anna.pk]),
        {**every(SEES_ANNA_NOT_GUARDIAN, 403), "own_parent": 302},
        method="post",
        data=lambda w: {"week": a_past_monday(w)},
    ),
    "class_acknowledgements": Case(
        lambda w: reverse("class_acknowledgements", args=[w.class_a.pk]),
        every(["class_teacher", "deputy", "director", "admin"]),
    ),
    "api-student-marks": Case(
        lambda w: reverse("api-student-marks", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-student-diary": Case(
        lambda w: reverse("api-student-diary", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-student-changes": Case(
        lambda w: reverse("api-student-changes", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-student-diary-acknowledge": Case(
        lambda w: reverse("api-student-diary-acknowledge", args=[w.anna.pk]),
        {**every(SEES_ANNA_NOT_GUARDIAN, 403), "own_parent": 200},
        method="post",
        api=True,
        data=lambda w: {"week": a_past_monday(w)},
    ),
    "healthz": Case(lambda w: reverse("healthz"), {**every(EVERY_SIGNED_IN), "anonymous": 200}),
    "set_language": Case(
        lambda w: reverse("set_language"),
        {**every(EVERY_SIGNED_IN, 302), "anonymous": 302},
        method="post",
        data={"language": "en", "next": "/"},
    ),
}


def a_ninth_class(w):
    """9А of the current year, led by the class teacher persona (ct_a, who also leads 5А)."""
    from gradebook.models import SchoolClass
    from gradebook.services import school_class_create

    existing = SchoolClass.objects.filter(academic_year=w.year, grade=9, letter="А").first()
    return existing or school_class_create(academic_year=w.year, grade=9, letter="А", class_teacher=w.ct_a)


def a_state_exam(w):
    """An ОГЭ result of a student of 9А."""
    from gradebook.exam_services import state_exam_result_set
    from gradebook.models import StateExamResult
    from gradebook.services import enrolment_create
    from tests.factories import StudentFactory

    existing = StateExamResult.objects.first()
    if existing:
        return existing
    student = StudentFactory(last_name="Девятов", first_name="Глеб")
    enrolment_create(student=student, school_class=a_ninth_class(w), start_date=w.year.start_date)
    return state_exam_result_set(
        user=w.deputy,
        student=student,
        subject=w.math_a.subject,
        kind="oge",
        exam_date=w.year.start_date,
        primary_score=20,
        mark=4,
    )


# State exam results (ГИА)
CASES |= {
    "exams": Case(lambda w: reverse("exams"), every(["deputy", "director", "admin"])),
    "exam_result_edit": Case(
        lambda w: reverse("exam_result_edit", args=[a_state_exam(w).pk]),
        every(["deputy", "director", "admin"], 302),
        method="post",
        data={"primary_score": "21", "mark": "4"},
    ),
    "exam_result_delete": Case(
        lambda w: reverse("exam_result_delete", args=[a_state_exam(w).pk]),
        every(["deputy", "director", "admin"], 302),
        method="post",
    ),
    "class_exams": Case(
        lambda w: reverse("class_exams", args=[a_ninth_class(w).pk]),
        every(["class_teacher", "deputy", "director", "admin"]),
    ),
}


def a_diagnostic_work(w):
    """A start-of-year math test of 5А (two tasks), created by its teacher."""
    from gradebook.diagnostic_services import TaskSpec, diagnostic_work_create
    from gradebook.models import DiagnosticWork

    existing = DiagnosticWork.objects.first()
    return existing or diagnostic_work_create(
        user=w.teacher,
        class_subject=w.math_a,
        kind="start",
        on=a_school_day(w) if a_school_day(w) <= _today() else w.year.start_date,
        tasks=[TaskSpec(2, 1), TaskSpec(3, 2)],
    )


def _today():
    from django.utils import timezone

    return timezone.localdate()


# Diagnostic works: math of 5А is the owner's; colleague teaches Russian there (sees the class's list, not
# the math work); the class teacher and the deputy and director read; the owner and the deputy write.
DIAGNOSTIC_CLASS_READERS = ["owner", "colleague", "class_teacher", "deputy", "director"]
DIAGNOSTIC_WORK_READERS = ["owner", "class_teacher", "deputy", "director"]
DIAGNOSTIC_WRITERS = ["owner", "deputy"]
CASES |= {
    "class_diagnostics": Case(
        lambda w: reverse("class_diagnostics", args=[w.class_a.pk]), every(DIAGNOSTIC_CLASS_READERS)
    ),
    "diagnostic_work_create": Case(
        lambda w: reverse("diagnostic_work_create", args=[w.class_a.pk]),
        every(["owner", "colleague", "deputy"]),
    ),
    "diagnostic_results": Case(
        lambda w: reverse("diagnostic_results", args=[a_diagnostic_work(w).pk]),
        every(DIAGNOSTIC_WORK_READERS),
    ),
    "diagnostic_work_edit": Case(
        lambda w: reverse("diagnostic_work_edit", args=[a_diagnostic_work(w).pk]), every(DIAGNOSTIC_WRITERS)
    ),
    "diagnostic_work_delete": Case(
        lambda w: reverse("diagnostic_work_delete", args=[a_diagnostic_work(w).pk]),
        every(DIAGNOSTIC_WRITERS, 302),
        method="post",
        data={"confirm": "1"},
    ),
}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Issued certificates' files go to the test's own folder, not the project's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def a_certificate(w):
    """A progress certificate of anna (5А), issued by the director."""
    from gradebook.certificates import progress_certificate_issue
    from gradebook.models import ProgressCertificate

    existing = ProgressCertificate.objects.first()
    return existing or progress_certificate_issue(user=w.director, student=w.anna, issued_on=a_school_day(w))


# Progress certificates: the student's staff and guardians (not the student), and a public check for everyone
CERTIFICATE_READERS = [p for p in SEES_ANNA if p != "student"]
CASES |= {
    "certificate_issue": Case(
        lambda w: reverse("certificate_issue", args=[w.anna.pk]),
        every(["deputy", "director"], 302),
        method="post",
    ),
    "certificate_detail": Case(
        lambda w: reverse("certificate_detail", args=[a_certificate(w).pk]), every(CERTIFICATE_READERS)
    ),
    "certificate_download": Case(
        lambda w: reverse("certificate_download", args=[a_certificate(w).pk]), every(CERTIFICATE_READERS)
    ),
    "certificate_verify_lookup": Case(lambda w: reverse("certificate_verify_lookup"), every(PERSONAS)),
    "certificate_verify": Case(
        lambda w: reverse("certificate_verify", args=[a_certificate(w).verification_code]), every(PERSONAS)
    ),
}


def a_report_job(w):
    """A finished XLSX ledger of 5А for the year, asked for by its class teacher (file in the test's media)."""
    from gradebook.models import ReportJob
    from gradebook.reports.jobs import report_job_request, report_job_run

    existing = ReportJob.objects.filter(status=ReportJob.Status.DONE).first()
    if existing:
        return existing
    params = {"scope": "class", "class_id": w.class_a.pk, "period": "year"}
    job = report_job_request(user=w.ct_a, kind="ledger", fmt="xlsx", params=params)
    return report_job_run(job_id=job.pk)


# Reports: the deputy and the director for the school; a class teacher for their own class (5А for ct_a)
REPORTERS = ["class_teacher", "other_class_teacher", "deputy", "director"]
CLASS_A_REPORTERS = ["class_teacher", "deputy", "director"]
# The reports page and the job list: also every subject teacher (their subject report)
REPORT_USERS = sorted(set(REPORTERS) | set(TEACHERS))
CASES |= {
    "reports": Case(lambda w: reverse("reports"), every(REPORT_USERS)),
    "report_page": Case(
        lambda w: f"{reverse('report_page', args=['class-results'])}?scope=class&class_id={w.class_a.pk}",
        every(CLASS_A_REPORTERS),
    ),
    "report_ledger": Case(
        lambda w: f"{reverse('report_ledger')}?scope=class&class_id={w.class_a.pk}&period=year",
        every(CLASS_A_REPORTERS),
    ),
    "report_job_create": Case(
        lambda w: reverse("report_job_create"),
        every(CLASS_A_REPORTERS, 302),
        method="post",
        data=lambda w: {"kind": "ledger", "target": f"class:{w.class_a.pk}", "period": "year", "fmt": "xlsx"},
    ),
    "report_jobs_status": Case(lambda w: reverse("report_jobs_status"), every(REPORT_USERS)),
    # The requester (class_teacher) and the deputy and director; another class teacher gets 404.
    "report_job_download": Case(
        lambda w: reverse("report_job_download", args=[a_report_job(w).pk]), every(CLASS_A_REPORTERS)
    ),
}


def an_item(w):
    """A submitted diploma of anna (5А) with a PDF scan, added by her mother."""
    from portfolio.models import PortfolioItem
    from portfolio.services import ItemData, portfolio_item_create
    from tests.portfolio.scans import pdf_bytes, upload

    existing = PortfolioItem.objects.filter(student=w.anna).first()
    if existing:
        return existing
    data = ItemData(kind="olympiad", title="Олимпиада", date=a_school_day(w), level="school", result="winner")
    return portfolio_item_create(
        user=w.parent_a, student=w.anna, data=data, files=[upload("diploma.pdf", pdf_bytes())]
    )


def a_credit_request(w):
    from portfolio.credits import CreditData, credit_request_create
    from portfolio.models import ExternalCreditRequest
    from tests.portfolio.scans import pdf_bytes, upload

    existing = ExternalCreditRequest.objects.first()
    data = CreditData("Музыкальная школа № 1", "Сольфеджио", "зачтено", a_school_day(w))
    return existing or credit_request_create(
        user=w.parent_a, student=w.anna, data=data, files=[upload("справка.pdf", pdf_bytes())]
    )


def a_proposal(w):
    from portfolio.models import AwardProposal

    return AwardProposal.objects.get_or_create(
        academic_year=w.year,
        student=w.anna,
        rule="all_fives",
        defaults={"kind": "honour_list", "area": "academic"},
    )[0]


def an_award_order(w):
    from portfolio.awards import AwardLine, award_order_create
    from portfolio.models import AwardOrder

    existing = AwardOrder.objects.first()
    line = AwardLine(student=w.anna, kind="gratitude", area="social")
    return existing or award_order_create(
        user=w.deputy, number="15-у", on=a_school_day(w), title="О поощрении", lines=(line,)
    )


# The portfolio: anna's family adds, her reviewers (ct_a, deputy, director) verify; the rest is the deputy's
ADDS_FOR_ANNA = ["own_parent", "student", "class_teacher", "deputy", "director"]
DECIDES = ["deputy", "director"]
CASES |= {
    "portfolio_student": Case(lambda w: reverse("portfolio_student", args=[w.anna.pk]), every(SEES_ANNA)),
    "portfolio_item_add": Case(
        lambda w: reverse("portfolio_item_add", args=[w.anna.pk]), every(ADDS_FOR_ANNA)
    ),
    "credit_request_add": Case(
        lambda w: reverse("credit_request_add", args=[w.anna.pk]), every(["own_parent", "student"])
    ),
    "portfolio_item": Case(lambda w: reverse("portfolio_item", args=[an_item(w).pk]), every(SEES_ANNA)),
    "portfolio_item_edit": Case(
        lambda w: reverse("portfolio_item_edit", args=[an_item(w).pk]), every(ADDS_FOR_ANNA)
    ),
    "portfolio_item_evidence": Case(
        lambda w: reverse("portfolio_item_evidence", args=[an_item(w).pk]),
        every(ADDS_FOR_ANNA, 302),
        method="post",
    ),
    "portfolio_item_review": Case(
        lambda w: reverse("portfolio_item_review", args=[an_item(w).pk]),
        every(["class_teacher", *DECIDES], 302),
        method="post",
        data={"decision": "verify"},
    ),
    "portfolio_evidence": Case(
        lambda w: reverse("portfolio_evidence", args=[an_item(w).evidence.get().pk]), every(SEES_ANNA)
    ),
    "portfolio_review_queue": Case(
        lambda w: reverse("portfolio_review_queue"), every(["class_teacher", "other_class_teacher", *DECIDES])
    ),
    "portfolio_rating": Case(
        lambda w: reverse("portfolio_rating"),
        every(["class_teacher", "other_class_teacher", *DECIDES, "admin"]),
    ),
    "portfolio_overview": Case(lambda w: reverse("portfolio_overview"), every([*DECIDES, "admin"])),
    "portfolio_points": Case(lambda w: reverse("portfolio_points"), every(["deputy"])),
    "portfolio_awards": Case(lambda w: reverse("portfolio_awards"), every(DECIDES)),
    "award_proposals_generate": Case(
        lambda w: reverse("award_proposals_generate"), every(["deputy"], 302), method="post"
    ),
    "award_proposal_decide": Case(
        lambda w: reverse("award_proposal_decide", args=[a_proposal(w).pk]),
        every(["deputy"], 302),
        method="post",
        data={"decision": "accept"},
    ),
    "award_order_create": Case(
        lambda w: reverse("award_order_create"),
        every(["deputy"], 302),
        method="post",
        data={"number": "1", "date": "2026-01-01", "title": "О поощрении"},
    ),
    "award_order_pdf": Case(
        lambda w: reverse("award_order_pdf", args=[an_award_order(w).pk]), every(DECIDES)
    ),
    "portfolio_credits": Case(lambda w: reverse("portfolio_credits"), every(DECIDES)),
    "credit_request_decide": Case(
        lambda w: reverse("credit_request_decide", args=[a_credit_request(w).pk]),
        every(["deputy"], 302),
        method="post",
        data={"decision": "accept"},
    ),
    "portfolio_gifted": Case(lambda w: reverse("portfolio_gifted"), every(DECIDES)),
    "api-student-portfolio": Case(
        lambda w: reverse("api-student-portfolio", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-portfolio-overview": Case(
        lambda w: reverse("api-portfolio-overview"), every([*DECIDES, "admin"]), api=True
    ),
}


def a_characteristic(w):
    """A draft of anna's characteristic of the year, by her class teacher (publishing it is the case)."""
    from achievements.models import Characteristic
    from achievements.services import characteristic_save

    return Characteristic.objects.filter(published_at__isnull=True).first() or characteristic_save(
        user=w.ct_a, student=w.anna, year=w.year, achievements="a", qualities="q", development="d"
    )


# achievements: 5А's levels, personal results and anna's characteristic for her class teacher, the deputy and
# the director; her results card for whoever sees her
RECORDS_CLASS_A = ["class_teacher", "deputy", "director"]
CASES |= {
    "levels_class": Case(lambda w: reverse("levels_class", args=[w.class_a.pk]), every(RECORDS_CLASS_A)),
    "personal_results": Case(
        lambda w: reverse("personal_results", args=[w.class_a.pk]), every(RECORDS_CLASS_A)
    ),
    "level_thresholds": Case(
        lambda w: reverse("level_thresholds", args=[a_diagnostic_work(w).pk]), every(RECORDS_CLASS_A)
    ),
    "characteristic_edit": Case(
        lambda w: reverse("characteristic_edit", args=[w.anna.pk]), every(RECORDS_CLASS_A)
    ),
    "characteristic_publish": Case(
        lambda w: reverse("characteristic_publish", args=[a_characteristic(w).pk]),
        every(RECORDS_CLASS_A, 302),
        method="post",
    ),
    "results_card": Case(lambda w: reverse("results_card", args=[w.anna.pk]), every(SEES_ANNA)),
    "results_card_pdf": Case(lambda w: reverse("results_card_pdf", args=[w.anna.pk]), every(SEES_ANNA)),
}


def an_old_year(w):
    """An empty academic year long past: nothing stops it from closing."""
    from gradebook.models import AcademicYear
    from gradebook.services import academic_year_create

    return AcademicYear.objects.filter(name="2010/2011").first() or academic_year_create(start_year=2010)


def a_closed_year(w):
    from datetime import date

    from django.utils import timezone

    from archive.year_close import year_close

    year = an_old_year(w)
    if year.closed_at is None:
        year_close(user=w.deputy, year=year, now=timezone.now(), issued_on=date(2011, 6, 25))
        year.refresh_from_db()
    return year


def a_package(w):
    """A built package of the closed old year."""
    from django.utils import timezone

    from archive.models import ArchivePackage
    from archive.packages import archive_package_request, archive_package_run

    existing = ArchivePackage.objects.filter(status="done").first()
    if existing:
        return existing
    package = archive_package_request(user=w.deputy, year=a_closed_year(w), now=timezone.now())
    return archive_package_run(package_id=package.pk)


# The archive: the deputy and the director (not the admin); closing a year and confirming, the deputy only
ARCHIVISTS = ["deputy", "director"]
CASES |= {
    "archive_home": Case(lambda w: reverse("archive_home"), every(ARCHIVISTS)),
    "archive_year_close": Case(
        lambda w: reverse("archive_year_close", args=[an_old_year(w).pk]),
        every(["deputy"], 302),
        method="post",
    ),
    "archive_promotion": Case(
        lambda w: reverse("archive_promotion", args=[a_closed_year(w).pk]), every(ARCHIVISTS)
    ),
    "archive_package_create": Case(
        lambda w: reverse("archive_package_create"),
        every(ARCHIVISTS, 302),
        method="post",
        data=lambda w: {"year": a_closed_year(w).pk},
    ),
    "archive_packages_status": Case(
        lambda w: reverse("archive_packages_status") + f"?ids={a_package(w).pk}", every(ARCHIVISTS)
    ),
    "archive_package_detail": Case(
        lambda w: reverse("archive_package_detail", args=[a_package(w).pk]), every(ARCHIVISTS)
    ),
    "archive_package_verify": Case(
        lambda w: reverse("archive_package_verify", args=[a_package(w).pk]), every(ARCHIVISTS), method="post"
    ),
    "archive_package_download": Case(
        lambda w: reverse("archive_package_download", args=[a_package(w).pk]), every(ARCHIVISTS)
    ),
}


def an_act(w, *, status="draft"):
    """A destruction act (no lines): a draft, or one already executed with its PDF."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from archive.models import DestructionAct

    act = DestructionAct.objects.filter(status=status).first()
    if act:
        return act
    act = DestructionAct.objects.create(
        number=f"T-{status}",
        status=status,
        drafted_by=w.deputy,
        drafted_at=timezone.now(),
        approved_by=None if status == "draft" else w.director,
    )
    if status == "executed":
        act.pdf.save("act-test.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return act


def a_hold(w):
    from django.utils import timezone

    from archive.retention import legal_hold_place

    return legal_hold_place(user=w.deputy, student=w.anna, reason="суд", now=timezone.now())


CASES |= {
    "retention": Case(lambda w: reverse("retention"), every(ARCHIVISTS)),
    "destruction_act_create": Case(
        lambda w: reverse("destruction_act_create"), every(["deputy"], 302), method="post"
    ),
    "destruction_act_detail": Case(
        lambda w: reverse("destruction_act_detail", args=[an_act(w).pk]), every(ARCHIVISTS)
    ),
    "destruction_act_approve": Case(
        lambda w: reverse("destruction_act_approve", args=[an_act(w).pk]),
        every(["director"], 302),
        method="post",
    ),
    "destruction_act_pdf": Case(
        lambda w: reverse("destruction_act_pdf", args=[an_act(w, status="executed").pk]), every(ARCHIVISTS)
    ),
    "legal_hold_create": Case(
        lambda w: reverse("legal_hold_create"),
        every(["deputy"], 302),
        method="post",
        data=lambda w: {"student": w.anna.pk, "reason": "суд"},
    ),
    "legal_hold_release": Case(
        lambda w: reverse("legal_hold_release", args=[a_hold(w).pk]), every(["deputy"], 302), method="post"
    ),
    "my_child_data": Case(lambda w: reverse("my_child_data", args=[w.anna.pk]), every(["own_parent"])),
}


def test_every_route_has_a_policy():
    missing = sorted(name or repr(cb) for name, cb in walk() if name is None or policy_for(name) is None)
    assert missing == [], f"routes without a line in config/access_policy.py: {missing}"


def test_policy_table_has_no_stale_routes():
    names = {name for name, _cb in walk()}
    assert sorted(set(ROUTES) - names) == []


def test_every_project_route_has_a_persona_case():
    project_routes = {name for name, cb in walk() if is_project_route(cb)}
    assert project_routes, "the walk found no project routes"
    assert sorted(project_routes - set(CASES)) == []


MATRIX = [(route, persona) for route in CASES for persona in PERSONAS]


@pytest.mark.parametrize(("route", "persona"), MATRIX, ids=[f"{r}-{p}" for r, p in MATRIX])
def test_persona_matrix(world, client_for, route, persona):
    case = CASES[route]
    client = client_for(world.user(persona))
    url = case.url(world)
    data = case.data(world) if callable(case.data) else case.data
    response = getattr(client, case.method)(url, data)
    assert response.status_code == case.expected(persona), (route, persona, url)
    if persona == "anonymous" and response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")) or route == "set_language"


THIRD_PARTY = sorted(
    name for name, cb in walk() if name and not is_project_route(cb) and not name.startswith("admin:")
)
# Steps of a sign-in in progress: without one, allauth sends the visitor back to the login page.
ROUTE_KWARGS = {
    "account_confirm_email": {"key": "no-such-key"},
    "account_reset_password_from_key": {"uidb36": "0", "key": "no-such-key"},
}
LOGIN_STAGES = {"mfa_authenticate", "account_confirm_login_code"}


@pytest.mark.parametrize("route", THIRD_PARTY)
def test_third_party_routes_follow_policy_for_anonymous(db, client, route):
    """allauth's pages: public ones open without sign-in, the rest send an anonymous visitor to log in."""
    url = reverse(route, kwargs=ROUTE_KWARGS.get(route))
    response = client.get(url)
    assert response.status_code < 500
    redirected_to_login = response.status_code == 302 and response["Location"].startswith(
        reverse("account_login")
    )
    if url.startswith("/api/"):
        assert policy_for(route) == SIGNED_IN
        assert response.status_code == 401
    elif policy_for(route) == PUBLIC:
        assert not redirected_to_login or route in LOGIN_STAGES, route
    else:
        assert policy_for(route) == SIGNED_IN
        assert redirected_to_login, (route, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_site_only_for_staff_accounts(world, client_for, persona):
    response = client_for(world.user(persona)).get(reverse("admin:index"))
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
