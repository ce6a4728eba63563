"""Template tags for progress certificates (справки об успеваемости) on the student's page."""

from dataclasses import dataclass

from django import template

from accounts.models import Role
from accounts.roles import has_role
from gradebook.certificate_pdf import grouped_code
from gradebook.certificates import student_certificates

register = template.Library()


@dataclass(frozen=True)
class CertificatesSection:
    items: list
    can_issue: bool


@register.simple_tag(takes_context=True)
def progress_certificates(context, student) -> CertificatesSection:
    """`{% progress_certificates student as certificates %}`: the student's certificates the viewer may open
    (one query), and whether they may issue one. The page has already checked that they see the student."""
    user = context["request"].user
    return CertificatesSection(
        student_certificates(user=user, student=student), has_role(user, Role.DEPUTY, Role.DIRECTOR)
    )


@register.filter
def verification_code(code: str) -> str:
    """«K7M4QX92P3AB» → «K7M4-QX92-P3AB»."""
    return grouped_code(code)
