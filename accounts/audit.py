"""The security log: one JSON line per event on the `security` logger, and the staff-access table.

Never log passwords, tokens or marks: only who, what kind of action, which object, and the outcome.
"""

import json
import logging

from django.utils import timezone

from accounts.models import Guardianship, Role, Student, StudentAccessLog
from accounts.roles import user_roles

logger = logging.getLogger("security")


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def security_event(request, *, action: str, outcome: str = "ok", obj: str = "") -> None:
    user = getattr(request, "user", None)
    actor = user.username if user is not None and user.is_authenticated else None
    role = getattr(request, "active_role", None)
    logger.info(
        json.dumps(
            {
                "time": timezone.now().isoformat(),
                "actor": actor,
                "role": getattr(role, "value", None),
                "address": client_address(request),
                "action": action,
                "object": obj,
                "outcome": outcome,
            },
            ensure_ascii=False,
        )
    )


def student_record_accessed(request, *, student: Student, action: str = StudentAccessLog.Action.VIEW) -> None:
    """Records a view or export of the student's data when the viewer is staff (not family)."""
    roles = user_roles(request.user)
    staff_roles = [r for r in roles if r not in (Role.PARENT, Role.STUDENT)]
    if not staff_roles or student.user_id == request.user.pk:
        return
    if Guardianship.objects.filter(guardian=request.user, student=student).exists():
        return  # a teacher looking at their own child does so as a parent
    active = getattr(request, "active_role", None)
    role = active if active in staff_roles else staff_roles[0]
    StudentAccessLog.objects.create(
        actor=request.user,
        role=role,
        address=client_address(request),
        student=student,
        action=action,
        path=request.get_full_path()[:500],
    )
    security_event(request, action=f"student.{action}", obj=f"student:{student.pk}")
