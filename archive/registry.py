"""The personal-data registry: every model that holds a student's data, why, how long, how to export and
destroy it (DESIGN §4, 152-ФЗ). tests/archive/test_registry.py fails when a model with a path to
accounts.Student is missing here, so a new table cannot hold a child's data unnoticed.

Other apps register their own models from their AppConfig.ready():

    from archive.registry import PersonalData, personal_data_register
    personal_data_register(PersonalData("achievements.Characteristic", "student", purpose=..., retention=...))

Export and destruction go through `path`, the ORM lookup from the model to the student.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from archive.models import RetentionRule

Kind = RetentionRule.Kind


class Destroy:
    DELETE = "delete"  # the rows go, with their files
    UNLINK = "unlink"  # the row stays for its own rule, the student link is cleared (SET_NULL)
    WITH_STUDENT = "with_student"  # goes when the student row itself goes (cascade)


@dataclass(frozen=True)
class PersonalData:
    model: str  # "app_label.ModelName"
    path: str  # lookup from the model to the student ("student", "item__student"; "pk" for Student)
    purpose: str
    retention: str  # a RetentionRule.Kind
    destroy: str = Destroy.DELETE
    files: tuple[str, ...] = ()  # FileFields whose files are removed with the row

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def rows_of(self, student_id: int) -> models.QuerySet:
        return self.model_class()._default_manager.filter(**{self.path: student_id})


REGISTRY: dict[str, PersonalData] = {}


def personal_data_register(entry: PersonalData) -> None:
    REGISTRY[entry.model] = entry


def _value(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def personal_data_export(*, student_id: int) -> dict[str, list[dict]]:
    """Every registered row of the student as plain JSON-able dicts, by model label, in a stable order."""
    result = {}
    for label in sorted(REGISTRY):
        entry = REGISTRY[label]
        fields = [f for f in entry.model_class()._meta.concrete_fields]
        rows = []
        for obj in entry.rows_of(student_id).order_by("pk"):
            rows.append(
                {
                    f.attname: _value(getattr(obj, f.name if f.is_relation is False else f.attname))
                    for f in fields
                }
            )
        if rows:
            result[label] = rows
    return result


def personal_data_files(*, student_id: int) -> list:
    """The stored files (FieldFile) of the student's registered rows."""
    found = []
    for entry in REGISTRY.values():
        for obj in entry.rows_of(student_id):
            found.extend(getattr(obj, name) for name in entry.files if getattr(obj, name))
    return found


P = PersonalData

for _entry in [
    P("accounts.Student", "pk", _("identify the student"), Kind.PERSONAL_FILE, Destroy.DELETE),
    P("accounts.Guardianship", "student", _("who may see the child's record"), Kind.PERSONAL_FILE),
    P("accounts.StudentAccessLog", "student", _("who looked at the record (audit)"), Kind.JOURNAL),
    P("gradebook.Subgroup", "students", _("membership of a class subgroup"), Kind.JOURNAL, Destroy.UNLINK),
    P("gradebook.Enrolment", "student", _("which class the student studies in"), Kind.PERSONAL_FILE),
    P("gradebook.Mark", "student", _("current marks"), Kind.JOURNAL),
    P("gradebook.Attendance", "student", _("attendance"), Kind.JOURNAL),
    P("gradebook.TermMark", "student", _("term, annual and final marks"), Kind.PERSONAL_FILE),
    P("gradebook.CorrectionRequest", "student", _("corrections of closed terms"), Kind.JOURNAL),
    P("gradebook.JournalHistory", "student", _("history of the journal"), Kind.JOURNAL),
    P("gradebook.IntermediateAttestation", "student", _("intermediate attestation"), Kind.PERSONAL_FILE),
    P("gradebook.StateExamResult", "student", _("state exam results"), Kind.STATE_EXAM),
    P("gradebook.WeekAcknowledgement", "student", _("the family saw the week's marks"), Kind.JOURNAL),
    P("gradebook.DiagnosticResult", "student", _("diagnostic work results"), Kind.JOURNAL),
    P("gradebook.DiagnosticTaskResult", "result__student", _("diagnostic results per task"), Kind.JOURNAL),
    P(
        "gradebook.ProgressCertificate",
        "student",
        _("issued progress certificates"),
        Kind.PERSONAL_FILE,
        files=("pdf",),
    ),
    P("portfolio.PortfolioItem", "student", _("portfolio of achievements"), Kind.PERSONAL_FILE),
    P(
        "portfolio.Evidence",
        "item__student",
        _("documents proving achievements"),
        Kind.PERSONAL_FILE,
        files=("file",),
    ),
    P("portfolio.PortfolioHistory", "student", _("history of the portfolio"), Kind.PERSONAL_FILE),
    P("portfolio.Award", "student", _("awards (поощрения)"), Kind.PERSONAL_FILE),
    P("portfolio.AwardProposal", "student", _("proposed awards"), Kind.JOURNAL),
    P(
        "portfolio.ExternalCreditRequest",
        "student",
        _("credit of results from elsewhere"),
        Kind.PERSONAL_FILE,
    ),
    P("portfolio.GiftedRegistryEntry", "student", _("register of gifted children"), Kind.PERSONAL_FILE),
    P(
        "achievements.MetaSkillLevel",
        "student",
        _("levels of universal learning actions"),
        Kind.PERSONAL_FILE,
    ),
    P(
        "achievements.MetaSkillLevelHistory",
        "student",
        _("history of the learning-action levels"),
        Kind.PERSONAL_FILE,
    ),
    P("achievements.Characteristic", "student", _("the year-end characteristic"), Kind.PERSONAL_FILE),
    P("archive.PersonalFileRecord", "student", _("the personal file (личное дело)"), Kind.PERSONAL_FILE),
    P(
        "archive.CertificateBookEntry",
        "student",
        _("certificate issue book"),
        Kind.CERTIFICATE_BOOK,
        Destroy.UNLINK,
    ),
    P("archive.LegalHold", "student", _("records kept past their date"), Kind.PERSONAL_FILE),
    P(
        "archive.DestructionActItem",
        "student",
        _("lines of destruction acts"),
        Kind.DESTRUCTION_ACT,
        Destroy.UNLINK,
    ),
    P("archive.ArchivePackage", "student", _("archive packages of one student"), Kind.PERSONAL_FILE),
    P(
        "archive.ArchivePackageFile",
        "package__student",
        _("files of a student's archive package"),
        Kind.PERSONAL_FILE,
    ),
]:
    personal_data_register(_entry)
