"""Retention: what has expired or soon will, destruction acts (draft → approved by the director →
executed by a job), legal holds. Nothing is destroyed without an approved act; an executed act is
never run again, and the records it destroyed are never listed again.

Dates are passed in (`today`, `now`). A record is kept through its due date and expires the day after.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, ProtectedError, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Role, Student
from accounts.roles import has_role
from archive.models import (
    ArchivePackage,
    CertificateBookEntry,
    DestructionAct,
    DestructionActItem,
    LegalHold,
    PersonalFileRecord,
    RetentionRule,
)
from archive.registry import REGISTRY, Destroy
from gradebook.exam_selectors import exam_period
from gradebook.models import AcademicYear, Attendance, Enrolment, JournalHistory, Mark, StateExamResult

Kind = RetentionRule.Kind
SOON_DAYS = 90
security_log = logging.getLogger("security")


# The defaults of the issue and DESIGN §4 (the data migration 0002 seeds the same; kept apart so the
# migration stays as it ran).
DEFAULT_RULES = [
    (
        Kind.PERSONAL_FILE,
        3,
        RetentionRule.Event.LEAVING,
        "Приказ Росархива № 236, ст. 596: до выбытия + 3 года",
    ),
    (
        Kind.CERTIFICATE_BOOK,
        50,
        RetentionRule.Event.CREATED,
        "Приказ Росархива № 236: книга выдачи аттестатов — 50 лет",
    ),
    (Kind.STATE_EXAM, 1, RetentionRule.Event.YEAR_END, "Протоколы ГИА — 1 год"),
    (Kind.JOURNAL, 5, RetentionRule.Event.YEAR_END, "Электронный журнал — 5 лет"),
    (Kind.LEDGER, 25, RetentionRule.Event.YEAR_END, "Сводные ведомости — 25 лет (письмо АП-147/07)"),
    (
        Kind.DESTRUCTION_ACT,
        3,
        RetentionRule.Event.CREATED,
        "Приказ Роскомнадзора № 179: акты и выгрузки из журнала — 3 года",
    ),
]


def retention_rules() -> dict[str, int]:
    """kind → years kept. An empty table (a test database flushed after the migrations) gets the
    defaults back, as gradebook's grading_policy() does for its row."""
    rules = dict(RetentionRule.objects.values_list("kind", "years"))
    if not rules:
        RetentionRule.objects.bulk_create(
            RetentionRule(kind=k, years=y, starts_from=e, basis=b) for k, y, e, b in DEFAULT_RULES
        )
        rules = {k: y for k, y, _e, _b in DEFAULT_RULES}
    return rules


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    kind: str
    student_id: int | None  # None: a whole year's records (the journal)
    label: str
    due_on: date
    year_id: int | None = None
    year_name: str = ""
    held: bool = False
    in_act: str = ""
    record_id: int | None = None  # one row: a certificate book entry, a package, an act

    def expired(self, today: date) -> bool:
        return self.due_on < today

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def _initials(student: Student) -> str:
    """The act names a student by surname and initials (the full record is what goes)."""
    initials = "".join(f"{p[0]}." for p in (student.first_name, student.middle_name) if p)
    return f"{student.last_name} {initials}".strip()


def retention_due(*, today: date, within_days: int = SOON_DAYS) -> list[Due]:
    """Records past their date or due within `within_days`, oldest first (a fixed number of queries)."""
    rules = retention_rules()
    horizon = today + timedelta(days=within_days)
    held = set(LegalHold.objects.filter(released_at__isnull=True).values_list("student_id", flat=True))
    listed = {
        (i.kind, i.student_id, i.academic_year_id): i.act.number
        for i in DestructionActItem.objects.filter(
            Q(student__isnull=False) | Q(kind=Kind.JOURNAL, academic_year__isnull=False),
            record_id__isnull=True,
        ).select_related("act")
    }
    executed = {key for key, number in listed.items() if number in _executed_numbers()}
    # A line naming one row: the row is gone once its act ran, so only a pending act counts (a row kept
    # by a legal hold is listed again once the hold is released).
    pending = {
        (i.kind, i.record_id): i.act.number
        for i in DestructionActItem.objects.filter(record_id__isnull=False)
        .exclude(act__status=DestructionAct.Status.EXECUTED)
        .select_related("act")
    }
    found = [
        d
        for d in _personal_files(rules, horizon) + _state_exams(rules, horizon) + _journals(rules, horizon)
        if (d.kind, d.student_id, d.year_id) not in executed  # depersonalised, kept for a longer rule
    ]
    rows = (
        _certificate_book(rules, horizon, held) + _ledgers(rules, horizon, held) + _acts(rules, horizon, held)
    )
    return sorted(
        [
            Due(
                **{
                    **d.__dict__,
                    "held": d.student_id in held,
                    "in_act": listed.get((d.kind, d.student_id, d.year_id), ""),
                }
            )
            for d in found
        ]
        + [Due(**{**d.__dict__, "in_act": pending.get((d.kind, d.record_id), "")}) for d in rows],
        key=lambda d: (d.due_on, d.label),
    )


def _executed_numbers() -> set[str]:
    return set(
        DestructionAct.objects.filter(status=DestructionAct.Status.EXECUTED).values_list("number", flat=True)
    )


def _personal_files(rules, horizon: date) -> list[Due]:
    if Kind.PERSONAL_FILE not in rules:
        return []
    years = rules[Kind.PERSONAL_FILE]
    studying = Enrolment.objects.filter(end_date__isnull=True).values("student_id")
    left = (
        Enrolment.objects.exclude(student_id__in=studying)
        .values("student_id")
        .annotate(left_on=Max("end_date"))
        .filter(left_on__lte=add_years(horizon, -years))
    )
    left_on = {row["student_id"]: row["left_on"] for row in left}
    students = Student.objects.filter(pk__in=left_on)
    return [Due(Kind.PERSONAL_FILE, s.pk, _initials(s), add_years(left_on[s.pk], years)) for s in students]


def _state_exams(rules, horizon: date) -> list[Due]:
    if Kind.STATE_EXAM not in rules:
        return []
    years = rules[Kind.STATE_EXAM]
    found = {}
    exams = StateExamResult.objects.select_related("student")
    for year in AcademicYear.objects.filter(end_date__lte=add_years(horizon, -years)):
        start, end = exam_period(year)
        due = add_years(end, years)
        if due >= horizon:
            continue
        for r in exams.filter(exam_date__range=(start, end)):
            found[(r.student_id, year.pk)] = Due(
                Kind.STATE_EXAM, r.student_id, _initials(r.student), due, year.pk, year.name
            )
    return list(found.values())


def _journals(rules, horizon: date) -> list[Due]:
    """A year's electronic journal (marks, attendance, their history, acknowledgements, diagnostic
    results) is kept `years` after the year ends; its term, annual and final marks stay in the personal
    file."""
    if Kind.JOURNAL not in rules:
        return []
    years = rules[Kind.JOURNAL]
    found = []
    for year in AcademicYear.objects.filter(end_date__lt=add_years(horizon, -years)).order_by("start_date"):
        if Mark.objects.filter(
            lesson__assignment__class_subject__school_class__academic_year=year
        ).exists() or (
            Attendance.objects.filter(
                lesson__assignment__class_subject__school_class__academic_year=year
            ).exists()
        ):
            found.append(
                Due(Kind.JOURNAL, None, year.name, add_years(year.end_date, years), year.pk, year.name)
            )
    return found


def _name_initials(full_name: str) -> str:
    """«Глебов Глеб Иванович» → «Глебов Г. И.» (the book keeps the name as written, not the student)."""
    last, *rest = full_name.split() or [""]
    return " ".join([last, "".join(f"{p[0]}." for p in rest)]).strip()


def _certificate_book(rules, horizon: date, held: set[int]) -> list[Due]:
    """Each line of the certificate issue book is kept `years` from its issue date."""
    if Kind.CERTIFICATE_BOOK not in rules:
        return []
    years = rules[Kind.CERTIFICATE_BOOK]
    entries = CertificateBookEntry.objects.filter(issued_on__lte=add_years(horizon, -years)).select_related(
        "academic_year"
    )
    return [
        Due(
            Kind.CERTIFICATE_BOOK,
            e.student_id,
            f"{_name_initials(e.full_name)}, № {e.number}",
            add_years(e.issued_on, years),
            e.academic_year_id,
            e.academic_year.name,
            held=e.student_id in held,
            record_id=e.pk,
        )
        for e in entries.order_by("issued_on", "number")
    ]


def _ledgers(rules, horizon: date, held: set[int]) -> list[Due]:
    """The summary ledgers are kept in the packages of the school and of a class: a package goes `years`
    after its year ends. A package holding the personal file of a student under a legal hold is kept."""
    if Kind.LEDGER not in rules:
        return []
    years = rules[Kind.LEDGER]
    packages = list(
        ArchivePackage.objects.filter(
            scope__in=[ArchivePackage.Scope.YEAR, ArchivePackage.Scope.CLASS],
            status=ArchivePackage.Status.DONE,
            academic_year__end_date__lte=add_years(horizon, -years),
        )
        .select_related("academic_year", "school_class")
        .order_by("academic_year__start_date", "pk")
    )
    inside = PersonalFileRecord.objects.filter(
        academic_year_id__in={p.academic_year_id for p in packages}, student_id__in=held
    ).values_list("academic_year_id", "class_name")
    held_in = set(inside)
    held_years = {year for year, _name in held_in}
    found = []
    for p in packages:
        if p.scope == ArchivePackage.Scope.CLASS:
            label = gettext("Archive package of %(year)s, class %(name)s") % {
                "year": p.academic_year.name,
                "name": p.school_class.name,
            }
            kept = (p.academic_year_id, p.school_class.name) in held_in
        else:
            label = gettext("Archive package of %(year)s, the school") % {"year": p.academic_year.name}
            kept = p.academic_year_id in held_years
        found.append(
            Due(
                Kind.LEDGER,
                None,
                label,
                add_years(p.academic_year.end_date, years),
                p.academic_year_id,
                p.academic_year.name,
                held=kept,
                record_id=p.pk,
            )
        )
    return found


def _acts(rules, horizon: date, held: set[int]) -> list[Due]:
    """An executed act with its PDF (the log extract) is kept `years` from its execution; an act that
    names a student under a legal hold is kept."""
    if Kind.DESTRUCTION_ACT not in rules:
        return []
    years = rules[Kind.DESTRUCTION_ACT]
    acts = list(
        DestructionAct.objects.filter(
            status=DestructionAct.Status.EXECUTED,
            executed_at__date__lte=add_years(horizon, -years),
        ).order_by("executed_at", "pk")
    )
    naming_held = set(
        DestructionActItem.objects.filter(act__in=acts, student_id__in=held).values_list("act_id", flat=True)
    )
    return [
        Due(
            Kind.DESTRUCTION_ACT,
            None,
            gettext("Act № %(n)s") % {"n": a.number},
            add_years(timezone.localdate(a.executed_at), years),
            held=a.pk in naming_held,
            record_id=a.pk,
        )
        for a in acts
    ]


# The act -----------------------------------------------------------------------------------------------


@transaction.atomic
def destruction_act_draft(*, user, today: date, now: datetime) -> DestructionAct:
    """The deputy's draft listing every expired record not on hold and not in another act."""
    if not has_role(user, Role.DEPUTY):
        raise DomainError(_("Only the deputy director drafts a destruction act."), code="not_allowed")
    items = [d for d in retention_due(today=today) if d.expired(today) and not d.held and not d.in_act]
    if not items:
        raise DomainError(_("Nothing has expired: there is nothing to destroy."), code="nothing_expired")
    count = DestructionAct.objects.filter(number__startswith=f"{today.year}-").count()
    act = DestructionAct.objects.create(
        number=f"{today.year}-{count + 1:03d}", drafted_by=user, drafted_at=now
    )
    DestructionActItem.objects.bulk_create(
        DestructionActItem(
            act=act,
            student_id=d.student_id,
            label=d.label,
            kind=d.kind,
            academic_year_id=d.year_id,
            record_id=d.record_id,
            due_on=d.due_on,
        )
        for d in items
    )
    return act


@transaction.atomic
def destruction_act_approve(*, user, act: DestructionAct, now: datetime) -> DestructionAct:
    act = DestructionAct.objects.select_for_update().get(pk=act.pk)
    if not has_role(user, Role.DIRECTOR):
        raise DomainError(_("Only the director approves a destruction act."), code="not_allowed")
    if act.status != DestructionAct.Status.DRAFT:
        raise DomainError(_("This act is no longer a draft."), code="not_draft")
    act.status, act.approved_by, act.approved_at = DestructionAct.Status.APPROVED, user, now
    act.save(update_fields=["status", "approved_by", "approved_at"])
    transaction.on_commit(lambda: _enqueue_execution(act.pk))
    return act


def _enqueue_execution(act_id: int) -> None:
    from archive.tasks import destruction_act_task

    destruction_act_task.delay(act_id)


def destruction_act_execute(*, act_id: int, now: datetime, today: date) -> DestructionAct:
    """The job: destroys what the approved act lists (a record put on hold since is kept and said so),
    then stores the act with the log extract as a PDF. An executed act is left as it is."""
    files: list = []
    with transaction.atomic():
        act = DestructionAct.objects.select_for_update().get(pk=act_id)
        if act.status == DestructionAct.Status.EXECUTED:
            return act
        if act.status != DestructionAct.Status.APPROVED:
            raise DomainError(_("The act must be approved by the director first."), code="not_approved")
        held = set(LegalHold.objects.filter(released_at__isnull=True).values_list("student_id", flat=True))
        _name_the_act(act)
        for item in act.items.all():
            if item.record_id is not None:
                item.done = _destroy_record(item, act, held, files, today=today)
            elif item.student_id in held:
                item.done = gettext("kept: a legal hold")
            elif item.student_id is None and item.kind != Kind.JOURNAL:
                item.done = gettext("nothing left to destroy")
            elif item.kind == Kind.PERSONAL_FILE:
                item.done = _destroy_personal_file(item.student_id, files)
            elif item.kind == Kind.STATE_EXAM:
                item.done = _destroy_state_exams(item.student_id, item.academic_year)
            elif item.kind == Kind.JOURNAL and item.academic_year_id:
                item.done = _destroy_journal(item.academic_year, held)
            item.save(update_fields=["done"])
            _log(act, item, now)
        act.status, act.executed_at = DestructionAct.Status.EXECUTED, now
        act.save(update_fields=["status", "executed_at"])
        act.pdf.save(f"act-{act.number}.pdf", ContentFile(_act_pdf(act, today=today)), save=False)
        act.save(update_fields=["pdf"])
        transaction.on_commit(lambda: _remove_files(files))
    return act


def _name_the_act(act: DestructionAct) -> None:
    """Lets this transaction delete history rows (archive migration 0003): the only way past the
    append-only triggers of PostgreSQL, ending with the transaction."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.destruction_act', %s, true)", [act.number])


def _log(act: DestructionAct, item: DestructionActItem, now: datetime) -> None:
    import json

    security_log.info(
        json.dumps(
            {
                "time": now.isoformat(),
                "actor": "system",
                "action": "retention.destroy",
                "object": f"destruction_act:{act.number}",
                "category": item.kind,
                "outcome": item.done,
            },
            ensure_ascii=False,
        )
    )


def _delete_rows(querysets: list) -> dict[str, int]:
    """Deletes the querysets, retrying those a PROTECT of another pending one blocks."""
    counts: dict[str, int] = {}
    pending = list(querysets)
    for _round in range(len(pending) + 1):
        blocked = []
        for label, qs in pending:
            try:
                with transaction.atomic():
                    deleted, _by_model = qs.delete()
                if deleted:
                    counts[label] = counts.get(label, 0) + deleted
            except ProtectedError:
                blocked.append((label, qs))
        if not blocked:
            return counts
        pending = blocked
    raise DomainError(
        _("Some records could not be destroyed: %(models)s.")
        % {"models": ", ".join(label for label, _q in pending)},
        code="protected",
    )


def _destroy_personal_file(student_id: int, files: list) -> str:
    """Everything registered under the personal-file rule goes, with its files; the student row goes
    too unless records of a longer rule (the journal, exams) remain, when it is depersonalised."""
    entries = [
        e for e in REGISTRY.values() if e.retention == Kind.PERSONAL_FILE and e.model != "accounts.Student"
    ]
    for entry in entries:
        for obj in entry.rows_of(student_id):
            files.extend(getattr(obj, name).name for name in entry.files if getattr(obj, name))
    files.extend(
        f"archive/packages/{pk}/"
        for pk in ArchivePackage.objects.filter(student_id=student_id).values_list("pk", flat=True)
    )
    for entry in REGISTRY.values():
        if (
            entry.destroy == Destroy.UNLINK
            and entry.path == "student"
            and entry.model != "archive.DestructionActItem"
        ):
            entry.rows_of(student_id).update(student=None)
    doomed = [(e.model, e.rows_of(student_id)) for e in entries if e.destroy == Destroy.DELETE]
    # The history of the personal file's own rows (term, annual, final marks) goes with them.
    history = JournalHistory.objects.filter(student_id=student_id, entity="term_mark")
    counts = _delete_rows([("gradebook.JournalHistory", history), *doomed])
    remaining = [
        e.model
        for e in REGISTRY.values()
        if e.retention not in (Kind.PERSONAL_FILE, Kind.DESTRUCTION_ACT)
        and e.destroy == Destroy.DELETE
        and e.rows_of(student_id).exists()
    ]
    student = Student.objects.get(pk=student_id)
    if student.user_id:
        user = student.user
        user.is_active, user.first_name, user.last_name, user.email = False, "", "", ""
        user.set_unusable_password()
        user.save(update_fields=["is_active", "first_name", "last_name", "email", "password"])
    if remaining:
        student.last_name, student.first_name, student.middle_name = (
            gettext("Depersonalised"),
            f"№{student.pk}",
            "",
        )
        student.birth_date, student.user = date(student.birth_date.year, 1, 1), None
        student.save(update_fields=["last_name", "first_name", "middle_name", "birth_date", "user"])
        what = gettext("destroyed: %(models)s; depersonalised, kept for: %(kept)s")
        return what % {"models": ", ".join(sorted(counts)), "kept": ", ".join(sorted(remaining))}
    Student.objects.filter(pk=student_id).delete()
    return gettext("destroyed: %(models)s, and the student record") % {"models": ", ".join(sorted(counts))}


def _destroy_record(
    item: DestructionActItem, act: DestructionAct, held: set[int], files: list, *, today
) -> str:
    """A line naming one row: a certificate book entry, a package with its ledger, an older act with its
    PDF. The row goes with its files, unless a legal hold placed since the act was drafted keeps it."""
    rules = retention_rules()
    if item.kind not in rules:
        return gettext("nothing left to destroy")
    found = {
        Kind.CERTIFICATE_BOOK: _certificate_book,
        Kind.LEDGER: _ledgers,
        Kind.DESTRUCTION_ACT: _acts,
    }[Kind(item.kind)](rules, today, held)
    due = next((d for d in found if d.record_id == item.record_id), None)
    if due is None:
        return gettext("nothing left to destroy")
    if due.held:
        return gettext("kept: a legal hold")
    if item.kind == Kind.CERTIFICATE_BOOK:
        CertificateBookEntry.objects.filter(pk=item.record_id).delete()
        return gettext("destroyed: the certificate book entry")
    if item.kind == Kind.LEDGER:
        files.append(f"archive/packages/{item.record_id}/")
        ArchivePackage.objects.filter(pk=item.record_id).delete()
        return gettext("destroyed: the archive package with its summary ledger and files")
    old = DestructionAct.objects.filter(pk=item.record_id).exclude(pk=act.pk).first()
    if old is None:
        return gettext("nothing left to destroy")
    if old.pdf:
        files.append(old.pdf.name)
    old.delete()
    return gettext("destroyed: the act, its lines and its PDF")


def _destroy_state_exams(student_id: int, year: AcademicYear) -> str:
    start, end = exam_period(year)
    deleted, _by = StateExamResult.objects.filter(
        student_id=student_id, exam_date__range=(start, end)
    ).delete()
    return gettext("destroyed: %(n)d state exam results of %(year)s") % {"n": deleted, "year": year.name}


def _destroy_journal(year: AcademicYear, held: set[int]) -> str:
    """The year's journal rows about students (students under a legal hold keep theirs)."""
    from gradebook.models import (
        CorrectionRequest,
        DiagnosticResult,
        DiagnosticTaskResult,
        WeekAcknowledgement,
    )

    in_year = {"lesson__assignment__class_subject__school_class__academic_year": year}
    querysets = [
        (
            "gradebook.JournalHistory",
            JournalHistory.objects.filter(
                class_subject__school_class__academic_year=year, student__isnull=False
            ).exclude(entity="term_mark"),
        ),
        ("gradebook.Mark", Mark.objects.filter(**in_year)),
        ("gradebook.Attendance", Attendance.objects.filter(**in_year)),
        (
            "gradebook.CorrectionRequest",
            CorrectionRequest.objects.filter(
                Q(**in_year) | Q(class_subject__school_class__academic_year=year)
            ),
        ),
        (
            "gradebook.WeekAcknowledgement",
            WeekAcknowledgement.objects.filter(week_start__range=(year.start_date, year.end_date)),
        ),
        (
            "gradebook.DiagnosticTaskResult",
            DiagnosticTaskResult.objects.filter(
                result__work__class_subject__school_class__academic_year=year
            ),
        ),
        (
            "gradebook.DiagnosticResult",
            DiagnosticResult.objects.filter(work__class_subject__school_class__academic_year=year),
        ),
    ]
    path = {"gradebook.DiagnosticTaskResult": "result__student_id__in"}
    counts = _delete_rows(
        [(label, qs.exclude(**{path.get(label, "student_id__in"): held})) for label, qs in querysets]
    )
    found = ", ".join(f"{label} {n}" for label, n in sorted(counts.items())) or gettext("nothing")
    return gettext("destroyed: %(found)s") % {"found": found}


def _remove_files(names: list[str]) -> None:
    import shutil

    from django.conf import settings
    from django.core.files.storage import default_storage

    for name in names:
        if name.endswith("/"):
            shutil.rmtree(f"{settings.MEDIA_ROOT}/{name}", ignore_errors=True)
        elif default_storage.exists(name):
            default_storage.delete(name)


def _act_pdf(act: DestructionAct, *, today: date) -> bytes:
    from gradebook.models import School
    from gradebook.reports.render_pdf import html_to_pdf

    school = School.objects.filter(pk=1).values_list("name", flat=True).first() or ""
    html = render_to_string(
        "archive/act.html",
        {"act": act, "items": act.items.select_related("academic_year"), "school": school, "today": today},
    )
    return html_to_pdf(html, left=school, right=gettext("Act № %(n)s") % {"n": act.number})


# Legal holds ------------------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(*, user, student: Student, reason: str, now: datetime) -> LegalHold:
    if not reason.strip():
        raise DomainError(_("Give the reason for the hold."), code="reason_required")
    return LegalHold.objects.create(
        student=student, reason=reason.strip()[:500], placed_by=user, placed_at=now
    )


@transaction.atomic
def legal_hold_release(*, user, hold: LegalHold, now: datetime) -> LegalHold:
    if hold.released_at is not None:
        raise DomainError(_("This hold is already released."), code="released")
    hold.released_at = now
    hold.save(update_fields=["released_at"])
    return hold
