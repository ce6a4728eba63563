"""Every write to portfolio items and their evidence: adding, changing, verifying, rejecting.

Each service runs in one transaction, makes every check that can refuse before its first write, and writes
PortfolioHistory in the same transaction. Who may call: views check access (portfolio.access) first; the
services themselves enforce the verification rules — a family's item starts "submitted", only a reviewer
(the student's class teacher, the deputy, the director) verifies, rejects or changes a verified item.
"""

import hashlib
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, DomainError
from accounts.models import Student
from gradebook.models import Subject
from portfolio.access import can_review, is_family
from portfolio.models import (
    Evidence,
    GtoBadge,
    ItemKind,
    Level,
    PortfolioHistory,
    PortfolioItem,
    RatingPoints,
    RatingSettings,
    Result,
)
from portfolio.uploads import CleanFile, evidence_clean

MAX_FILES = 5


@dataclass(frozen=True)
class ItemData:
    kind: str
    title: str
    date: date
    level: str
    result: str
    organiser: str = ""
    subject: Subject | None = None
    area: str = ""
    official_list: bool = False
    hours: int | None = None
    gto_badge: str = ""
    gto_stage: int | None = None


def values_of(data: ItemData) -> dict:
    """The dataclass's fields as a dict (not dataclasses.asdict, which deep-copies the Subject row)."""
    return {f.name: getattr(data, f.name) for f in fields(data)}


def history_write(
    *,
    actor,
    entity: str,
    entity_id: int,
    action: str,
    student: Student | None = None,
    student_id: int | None = None,
    old=None,
    new=None,
    reason="",
) -> PortfolioHistory:
    return PortfolioHistory.objects.create(
        actor=actor,
        student_id=student.pk if student is not None else student_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        old=old,
        new=new,
        reason=reason[:500],
    )


def item_state(item: PortfolioItem) -> dict:
    """What the history keeps of an item: every field a person can change, as JSON."""
    return {
        "kind": item.kind,
        "title": item.title,
        "organiser": item.organiser,
        "date": item.date.isoformat(),
        "level": item.level,
        "result": item.result,
        "subject": item.subject.name if item.subject_id else "",
        "area": item.area,
        "official_list": item.official_list,
        "hours": item.hours,
        "gto_badge": item.gto_badge,
        "gto_stage": item.gto_stage,
        "status": item.status,
        "rejection_reason": item.rejection_reason,
    }


def _refuse(message, code: str, **details) -> DomainError:
    return DomainError(message, code=code, details=details)


def item_data_checked(data: ItemData) -> ItemData:
    """The data with the fields that do not apply to its kind cleared, or a DomainError."""
    if data.kind not in ItemKind.values:
        raise _refuse(_("Choose the kind of achievement."), "invalid_kind")
    if data.level not in Level.values:
        raise _refuse(_("Choose the level of the event."), "invalid_level")
    if data.result not in Result.values:
        raise _refuse(_("Choose the result."), "invalid_result")
    if not data.title.strip():
        raise _refuse(_("Give the title of the event or work."), "title_required")
    if data.date > timezone.localdate():
        raise _refuse(_("The date of an achievement cannot be in the future."), "future_date")
    gto = data.kind == ItemKind.GTO
    if gto and (data.gto_badge not in GtoBadge.values or not data.gto_stage or not 1 <= data.gto_stage <= 18):
        raise _refuse(_("A GTO badge needs its kind (bronze, silver, gold) and stage (1–18)."), "gto_fields")
    if data.kind == ItemKind.VOLUNTEERING and not data.hours:
        raise _refuse(_("Give the number of volunteering hours."), "hours_required")
    if data.hours is not None and data.hours < 1:
        raise _refuse(_("Hours must be a positive number."), "hours_invalid")
    return ItemData(
        **{
            **values_of(data),
            "title": data.title.strip(),
            "organiser": data.organiser.strip(),
            "area": data.area.strip(),
            "gto_badge": data.gto_badge if gto else "",
            "gto_stage": data.gto_stage if gto else None,
        }
    )


def _files_checked(uploads) -> list[CleanFile]:
    uploads = [u for u in uploads or () if u]
    if len(uploads) > MAX_FILES:
        raise _refuse(_("Attach at most %(count)s files.") % {"count": MAX_FILES}, "too_many_files")
    return [evidence_clean(upload) for upload in uploads]


def _store(*, user, clean: CleanFile, item=None, credit_request=None) -> Evidence:
    return Evidence.objects.create(
        item=item,
        credit_request=credit_request,
        file=ContentFile(clean.content, name=f"scan.{clean.extension}"),
        content_type=clean.content_type,
        original_name=clean.original_name,
        size=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
        uploaded_by=user,
    )


def evidence_store(*, user, clean_files: list[CleanFile], item=None, credit_request=None) -> list[Evidence]:
    """Stores checked files for an item or an application and records each in the history."""
    student = item.student if item is not None else credit_request.student
    stored = []
    for clean in clean_files:
        evidence = _store(user=user, clean=clean, item=item, credit_request=credit_request)
        history_write(
            actor=user,
            student=student,
            entity=PortfolioHistory.Entity.EVIDENCE,
            entity_id=evidence.pk,
            action=PortfolioHistory.Action.CREATE,
            new={"name": evidence.original_name, "type": evidence.content_type, "sha256": evidence.sha256},
        )
        stored.append(evidence)
    return stored


@transaction.atomic
def portfolio_item_create(
    *, user, student: Student, data: ItemData, files=(), verify: bool = False
) -> PortfolioItem:
    """Adds an item. A family's item is "submitted"; a reviewer's is verified at once when `verify`."""
    reviewer = can_review(user=user, student=student)
    if not reviewer and not is_family(user=user, student=student):
        raise _refuse(_("You cannot add achievements for this student."), "not_allowed")
    if verify and not reviewer:
        raise _refuse(
            _("Only the class teacher or the deputy director verifies achievements."), "not_reviewer"
        )
    data = item_data_checked(data)
    clean_files = _files_checked(files)
    now = timezone.now()
    item = PortfolioItem.objects.create(
        student=student,
        **values_of(data),
        status=PortfolioItem.Status.VERIFIED if verify else PortfolioItem.Status.SUBMITTED,
        added_by=user,
        verified_by=user if verify else None,
        verified_at=now if verify else None,
    )
    history_write(
        actor=user,
        student=student,
        entity=PortfolioHistory.Entity.ITEM,
        entity_id=item.pk,
        action=PortfolioHistory.Action.CREATE,
        new=item_state(item),
    )
    evidence_store(user=user, clean_files=clean_files, item=item)
    return item


def _locked(item: PortfolioItem, expected_version: int | None) -> PortfolioItem:
    current = (
        PortfolioItem.objects.select_for_update(of=("self",))
        .select_related("student", "subject")
        .get(pk=item.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _("Someone changed this achievement a moment ago; open it again."), code="version_conflict"
        )
    return current


def _may_change(*, user, item: PortfolioItem) -> bool:
    """A verified item: only its reviewers. Otherwise also its family."""
    if can_review(user=user, student=item.student):
        return True
    return item.status != PortfolioItem.Status.VERIFIED and is_family(user=user, student=item.student)


@transaction.atomic
def portfolio_item_update(
    *,
    user,
    item: PortfolioItem,
    data: ItemData,
    files=(),
    reason: str = "",
    expected_version: int | None = None,
) -> PortfolioItem:
    """Changes an item's fields and adds files. A family's change of a rejected item sends it for review
    again; a reviewer's change keeps the status. Changing a verified item needs a reason."""
    item = _locked(item, expected_version)
    if not _may_change(user=user, item=item):
        raise _refuse(_("A verified achievement can be changed only by the school staff."), "verified_locked")
    if item.status == PortfolioItem.Status.VERIFIED and not reason.strip():
        raise _refuse(_("Say why a verified achievement is changed."), "reason_required")
    data = item_data_checked(data)
    clean_files = _files_checked(files)
    old = item_state(item)
    for name, value in values_of(data).items():
        setattr(item, name, value)
    changed = [*values_of(data), "version"]
    if item.status == PortfolioItem.Status.REJECTED and not can_review(user=user, student=item.student):
        item.status, item.rejection_reason = PortfolioItem.Status.SUBMITTED, ""
        item.verified_by = item.verified_at = None
        changed += ["status", "rejection_reason", "verified_by", "verified_at"]
    item.version += 1
    item.save(update_fields=changed)
    history_write(
        actor=user,
        student=item.student,
        entity=PortfolioHistory.Entity.ITEM,
        entity_id=item.pk,
        action=PortfolioHistory.Action.UPDATE,
        old=old,
        new=item_state(item),
        reason=reason.strip(),
    )
    evidence_store(user=user, clean_files=clean_files, item=item)
    return item


@transaction.atomic
def evidence_attach(*, user, item: PortfolioItem, files) -> list[Evidence]:
    """Adds scans to an item: its family while it is not verified, its reviewers at any time."""
    item = _locked(item, None)
    if not _may_change(user=user, item=item):
        raise _refuse(_("A verified achievement can be changed only by the school staff."), "verified_locked")
    clean_files = _files_checked(files)
    if not clean_files:
        raise _refuse(_("Choose a file to attach."), "no_file")
    if item.evidence.count() + len(clean_files) > MAX_FILES:
        raise _refuse(_("Attach at most %(count)s files.") % {"count": MAX_FILES}, "too_many_files")
    return evidence_store(user=user, clean_files=clean_files, item=item)


def _decide(
    *, user, item: PortfolioItem, status: str, reason: str, action: str, expected_version
) -> PortfolioItem:
    item = _locked(item, expected_version)
    if not can_review(user=user, student=item.student):
        raise _refuse(
            _("Only the class teacher or the deputy director verifies achievements."), "not_reviewer"
        )
    old = item_state(item)
    item.status, item.rejection_reason = status, reason
    item.verified_by, item.verified_at = user, timezone.now()
    item.version += 1
    item.save(update_fields=["status", "rejection_reason", "verified_by", "verified_at", "version"])
    history_write(
        actor=user,
        student=item.student,
        entity=PortfolioHistory.Entity.ITEM,
        entity_id=item.pk,
        action=action,
        old=old,
        new=item_state(item),
        reason=reason,
    )
    return item


@transaction.atomic
def portfolio_item_verify(*, user, item: PortfolioItem, expected_version: int | None = None) -> PortfolioItem:
    """Marks the item verified: from now on it counts in the rating and in reports."""
    if item.status == PortfolioItem.Status.VERIFIED:
        raise _refuse(_("This achievement is already verified."), "already_verified")
    return _decide(
        user=user,
        item=item,
        status=PortfolioItem.Status.VERIFIED,
        reason="",
        action=PortfolioHistory.Action.VERIFY,
        expected_version=expected_version,
    )


@transaction.atomic
def portfolio_item_reject(
    *, user, item: PortfolioItem, reason: str, expected_version: int | None = None
) -> PortfolioItem:
    """Rejects the item with a reason the family sees. A verified item may be rejected too (it then stops
    counting); an already rejected one is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise _refuse(_("Say why the achievement is rejected: the family will see it."), "reason_required")
    if item.status == PortfolioItem.Status.REJECTED:
        raise _refuse(_("This achievement is already rejected."), "already_rejected")
    return _decide(
        user=user,
        item=item,
        status=PortfolioItem.Status.REJECTED,
        reason=reason,
        action=PortfolioHistory.Action.REJECT,
        expected_version=expected_version,
    )


@transaction.atomic
def rating_points_set(*, user, table: dict[tuple[str, str], int], academic_weight) -> None:
    """Replaces the points table (level × result) and the academic weight; the old values go to history."""
    if set(table) != {(lv, r) for lv in Level.values for r in Result.values}:
        raise _refuse(_("Give points for every level and result."), "points_incomplete")
    if any(not isinstance(v, int) or not 0 <= v <= 1000 for v in table.values()):
        raise _refuse(_("Points are whole numbers from 0 to 1000."), "points_invalid")
    try:
        weight = Decimal(str(academic_weight))
    except InvalidOperation:
        weight = None
    if weight is None or not Decimal("0") <= weight <= Decimal("100"):
        raise _refuse(_("The academic weight is a number from 0 to 100."), "weight_invalid")
    settings_row, _created = RatingSettings.objects.select_for_update().get_or_create(pk=1)
    old = {f"{p.level}/{p.result}": p.points for p in RatingPoints.objects.select_for_update()}
    old["academic_weight"] = str(settings_row.academic_weight)
    for (level, result), points in table.items():
        RatingPoints.objects.update_or_create(level=level, result=result, defaults={"points": points})
    settings_row.academic_weight = weight
    settings_row.save(update_fields=["academic_weight"])
    new = {f"{level}/{result}": points for (level, result), points in table.items()}
    new["academic_weight"] = str(weight)
    history_write(
        actor=user,
        student=None,
        entity=PortfolioHistory.Entity.POINTS,
        entity_id=1,
        action=PortfolioHistory.Action.UPDATE,
        old=old,
        new=new,
    )
