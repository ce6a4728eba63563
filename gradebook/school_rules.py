"""The deputy's edits to the school's marking rules (the Положение): thresholds, minimum marks, weights."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from gradebook import calendar
from gradebook.models import GradingPolicy, WorkType


@transaction.atomic
def grading_policy_update(
    *,
    threshold_3: Decimal,
    threshold_4: Decimal,
    threshold_5: Decimal,
    min_marks: int,
    absence_share_not_attested: int,
    allow_mark_1: bool,
) -> GradingPolicy:
    if not Decimal(1) < threshold_3 < threshold_4 < threshold_5 <= Decimal(5):
        raise DomainError(
            _("The thresholds must grow: 1 < «3» < «4» < «5» ≤ 5."), code="thresholds_not_ordered"
        )
    if not 1 <= min_marks <= 20:
        raise DomainError(
            _("The fewest marks for a term mark must be from 1 to 20."), code="invalid_min_marks"
        )
    if not 1 <= absence_share_not_attested <= 100:
        raise DomainError(_("The share of missed lessons must be from 1 to 100 %."), code="invalid_share")
    policy, _created = GradingPolicy.objects.select_for_update().get_or_create(id=1)
    policy.threshold_3, policy.threshold_4, policy.threshold_5 = threshold_3, threshold_4, threshold_5
    policy.min_marks, policy.absence_share_not_attested, policy.allow_mark_1 = (
        min_marks,
        absence_share_not_attested,
        allow_mark_1,
    )
    policy.save()
    transaction.on_commit(calendar.forget_school_rules)
    return policy


@transaction.atomic
def work_type_update(*, work_type: WorkType, weight: Decimal, is_active: bool) -> WorkType:
    if not Decimal(0) < weight <= Decimal(10):
        raise DomainError(_("A weight must be more than 0 and at most 10."), code="invalid_weight")
    work_type.weight, work_type.is_active = weight, is_active
    work_type.save(update_fields=["weight", "is_active"])
    return work_type


DEFAULT_WORK_TYPES = [
    ("Ответ на уроке", "отв", "1.0", 10),
    ("Домашняя работа", "дз", "1.0", 20),
    ("Самостоятельная работа", "сам", "1.0", 30),
    ("Проверочная работа", "пров", "1.5", 40),
    ("Контрольная работа", "кр", "2.0", 50),
    ("Итоговая работа", "итог", "3.0", 60),
]


@transaction.atomic
def default_rules_ensure() -> None:
    """The default grading policy and work types (as migration 0003 seeds them), where missing."""
    GradingPolicy.objects.get_or_create(id=1)
    for name, short_name, weight, order in DEFAULT_WORK_TYPES:
        WorkType.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "weight": Decimal(weight), "order": order}
        )
