"""Who may use the archive: packages are the deputy's and the director's (the year close, the deputy's)."""

from django.http import Http404

from accounts.models import Role
from accounts.roles import has_role
from archive.models import ArchivePackage

ARCHIVISTS = (Role.DEPUTY, Role.DIRECTOR)


def access_archive_package(*, user, id) -> ArchivePackage:
    """The package, or 404 for a missing one and for anyone but the deputy and the director."""
    if not has_role(user, *ARCHIVISTS):
        raise Http404
    package = (
        ArchivePackage.objects.select_related("academic_year", "school_class", "student")
        .filter(pk=id)
        .first()
    )
    if package is None:
        raise Http404
    return package


def archive_packages_visible_to(*, user):
    if not has_role(user, *ARCHIVISTS):
        return ArchivePackage.objects.none()
    return ArchivePackage.objects.select_related("academic_year", "school_class", "student", "requested_by")


def access_own_child(*, user, id):
    """The student, for their guardian only; 404 for everyone else (staff included: this is the family's
    own request)."""
    from accounts.models import Guardianship, Student

    if not user.is_authenticated or not Guardianship.objects.filter(guardian=user, student_id=id).exists():
        raise Http404
    return Student.objects.get(pk=id)
