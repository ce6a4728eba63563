"""Results from other organisations, credited on the family's application, and the gifted register.

- A family (the student or a guardian) applies with documents; the deputy (or the director) accepts or
  rejects with a reason. Accepted results are shown with their organisation wherever they appear.
- Register entries are kept by the deputy; `Student.gifted_registry` is true exactly while the student has
  at least one entry (kept in step here, in the same transaction).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.models import Student
from portfolio.access import is_decider, is_family
from portfolio.models import ExternalCreditRequest, GiftedRegistryEntry, PortfolioHistory, PortfolioItem
from portfolio.services import MAX_FILES, evidence_store, history_write
from portfolio.uploads import evidence_clean


@dataclass(frozen=True)
class CreditData:
    organisation: str
    programme: str
    result: str
    completed_on: date
    hours: int | None = None


def _credit_state(request: ExternalCreditRequest) -> dict:
    return {
        "organisation": request.organisation,
        "programme": request.programme,
        "result": request.result,
        "hours": request.hours,
        "completed_on": request.completed_on.isoformat(),
        "status": request.status,
        "reason": request.decision_reason,
    }


@transaction.atomic
def credit_request_create(*, user, student: Student, data: CreditData, files) -> ExternalCreditRequest:
    """The family's application; at least one document is required."""
    if not is_family(user=user, student=student):
        raise DomainError(
            _("Only the student or their parents apply for crediting results."), code="not_family"
        )
    if not all(v.strip() for v in (data.organisation, data.programme, data.result)):
        raise DomainError(_("Give the organisation, the course and the result."), code="fields_required")
    if data.completed_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), code="future_date")
    uploads = [f for f in files or () if f]
    if not uploads:
        raise DomainError(_("Attach the document issued by the organisation."), code="document_required")
    if len(uploads) > MAX_FILES:
        raise DomainError(_("Attach at most %(count)s files.") % {"count": MAX_FILES}, code="too_many_files")
    clean = [evidence_clean(f) for f in uploads]
    request = ExternalCreditRequest.objects.create(
        student=student,
        organisation=data.organisation.strip(),
        programme=data.programme.strip(),
        result=data.result.strip(),
        hours=data.hours,
        completed_on=data.completed_on,
        submitted_by=user,
    )
    history_write(
        actor=user,
        student=student,
        entity=PortfolioHistory.Entity.CREDIT,
        entity_id=request.pk,
        action=PortfolioHistory.Action.CREATE,
        new=_credit_state(request),
    )
    evidence_store(user=user, clean_files=clean, credit_request=request)
    return request


@transaction.atomic
def credit_request_decide(
    *, user, request: ExternalCreditRequest, accept: bool, reason: str = ""
) -> ExternalCreditRequest:
    """The deputy's decision; a rejection needs a reason the family sees. A decided application is final."""
    if not is_decider(user):
        raise DomainError(_("Applications are decided by the deputy director."), code="not_decider")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise DomainError(
            _("Say why the application is rejected: the family will see it."), code="reason_required"
        )
    request = ExternalCreditRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.status != ExternalCreditRequest.Status.SUBMITTED:
        raise DomainError(_("This application is already decided."), code="already_decided")
    old = _credit_state(request)
    request.status = (
        ExternalCreditRequest.Status.ACCEPTED if accept else ExternalCreditRequest.Status.REJECTED
    )
    request.decision_reason, request.decided_by, request.decided_at = reason, user, timezone.now()
    request.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    history_write(
        actor=user,
        student_id=request.student_id,
        entity=PortfolioHistory.Entity.CREDIT,
        entity_id=request.pk,
        action=PortfolioHistory.Action.ACCEPT if accept else PortfolioHistory.Action.REJECT,
        old=old,
        new=_credit_state(request),
        reason=reason,
    )
    return request


@transaction.atomic
def gifted_entry_add(
    *,
    user,
    student: Student,
    basis: str,
    entered_on: date,
    registry_number: str = "",
    item: PortfolioItem | None = None,
) -> GiftedRegistryEntry:
    """Records a register entry and marks the student as listed."""
    if not is_decider(user):
        raise DomainError(_("The register is kept by the deputy director."), code="not_decider")
    if not basis.strip():
        raise DomainError(_("Give the basis of the entry."), code="basis_required")
    if item is not None and (item.student_id != student.pk or not item.is_verified):
        raise DomainError(
            _("An entry is based only on the student's verified achievements."), code="basis_item"
        )
    entry = GiftedRegistryEntry.objects.create(
        student=student,
        basis=basis.strip(),
        entered_on=entered_on,
        registry_number=registry_number.strip(),
        item=item,
        added_by=user,
    )
    if not student.gifted_registry:
        Student.objects.filter(pk=student.pk).update(gifted_registry=True)
        student.gifted_registry = True
    history_write(
        actor=user,
        student=student,
        entity=PortfolioHistory.Entity.REGISTRY,
        entity_id=entry.pk,
        action=PortfolioHistory.Action.CREATE,
        new={"basis": entry.basis, "number": entry.registry_number, "entered_on": entered_on.isoformat()},
    )
    return entry


@transaction.atomic
def gifted_entry_remove(*, user, entry: GiftedRegistryEntry, reason: str) -> None:
    """Removes an entry (with a reason, kept in history); the mark goes with the last entry."""
    if not is_decider(user):
        raise DomainError(_("The register is kept by the deputy director."), code="not_decider")
    if not (reason or "").strip():
        raise DomainError(_("Say why the entry is removed."), code="reason_required")
    student_id = entry.student_id
    old = {"basis": entry.basis, "number": entry.registry_number, "entered_on": entry.entered_on.isoformat()}
    entry_id = entry.pk
    entry.delete()
    if not GiftedRegistryEntry.objects.filter(student_id=student_id).exists():
        Student.objects.filter(pk=student_id).update(gifted_registry=False)
    history_write(
        actor=user,
        student_id=student_id,
        entity=PortfolioHistory.Entity.REGISTRY,
        entity_id=entry_id,
        action=PortfolioHistory.Action.DELETE,
        old=old,
        reason=reason.strip(),
    )
