"""What an archive package holds (a selector → frozen data) and its renderers (JSON, XLSX, PDF/A).

Every renderer is deterministic: the same data gives the same bytes. The only date printed or stored
in the files is `stamp` (the year's closing time), the PDF identifier comes from the content, and the
XLSX (a zip) gets fixed member timestamps and document properties.
"""

import hashlib
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from archive.models import ArchivePackage, CertificateBookEntry, PersonalFileRecord
from archive.sections import COLUMNS, section_title
from gradebook.models import School
from gradebook.reports.render_pdf import html_to_pdf

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class YearRecord:
    year: str
    class_name: str
    sections: dict


@dataclass(frozen=True)
class StudentFile:
    student_id: int
    name: str
    birth_date: str
    records: tuple[YearRecord, ...]


@dataclass(frozen=True)
class BookLine:
    number: str
    full_name: str
    grade: int
    issued_on: str
    final_marks: list


@dataclass(frozen=True)
class PackageContent:
    school: str
    year: str
    scope: str
    target: str  # the class name, the student's name, or "" for the whole school
    stamp: datetime  # the year's closing time: the one date in the files
    students: tuple[StudentFile, ...]
    book: tuple[BookLine, ...]


def package_content(package: ArchivePackage) -> PackageContent:
    """The package's data, in a fixed order (a fixed number of queries)."""
    year = package.academic_year
    records = PersonalFileRecord.objects.select_related("student", "academic_year")
    book = CertificateBookEntry.objects.all()
    target = ""
    if package.scope == ArchivePackage.Scope.STUDENT:
        records, book = records.filter(student=package.student), book.filter(student=package.student)
        target = package.student.full_name
    else:
        records, book = records.filter(academic_year=year), book.filter(academic_year=year)
    if package.scope == ArchivePackage.Scope.CLASS:
        name = package.school_class.name
        records = records.filter(class_name=name)
        book = book.filter(student_id__in=records.values("student_id"))
        target = name
    by_student: dict[int, list] = {}
    people = {}
    for r in records.order_by(
        "student__last_name", "student__first_name", "student_id", "academic_year__start_date"
    ):
        people[r.student_id] = r.student
        by_student.setdefault(r.student_id, []).append(
            YearRecord(year=r.academic_year.name, class_name=r.class_name, sections=r.sections)
        )
    school = School.objects.filter(pk=1).values_list("name", flat=True).first() or ""
    return PackageContent(
        school=school,
        year=year.name,
        scope=package.scope,
        target=target,
        stamp=year.closed_at,
        students=tuple(
            StudentFile(
                student_id=sid,
                name=people[sid].full_name,
                birth_date=people[sid].birth_date.isoformat(),
                records=tuple(recs),
            )
            for sid, recs in by_student.items()
        ),
        book=tuple(
            BookLine(e.number, e.full_name, e.grade, e.issued_on.isoformat(), e.final_marks)
            for e in book.order_by("grade", "number")
        ),
    )


def canonical_json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def render_json(content: PackageContent) -> bytes:
    data = asdict(content)
    data["stamp"] = content.stamp.isoformat()
    return canonical_json(data)


# XLSX --------------------------------------------------------------------------------------------------


def render_xlsx(content: PackageContent) -> bytes:
    """A sheet per section kind (a row per student, year and line) and the certificate book."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {}
    for student in content.students:
        for record in student.records:
            for name, data in record.sections.items():
                rows = (
                    data if isinstance(data, list) else [data if isinstance(data, dict) else {"text": data}]
                )
                for row in rows:
                    sheet = sheets.get(name)
                    if sheet is None:
                        sheet = sheets[name] = (
                            workbook.create_sheet(_sheet_title(section_title(name))),
                            list(row),
                        )
                        _header(
                            sheet[0],
                            [_("Student"), _("Year"), _("Class"), *[str(COLUMNS.get(k, k)) for k in row]],
                        )
                    sheet[0].append(
                        [student.name, record.year, record.class_name, *[_cell(row.get(k)) for k in sheet[1]]]
                    )
    if content.book:
        book = workbook.create_sheet(_sheet_title(_("Certificate book")))
        _header(book, [_("Number"), _("Full name"), _("Grade"), _("Issue date"), _("Final marks")])
        for line in content.book:
            marks = "; ".join(f"{m['subject']}: {m['mark']}" for m in line.final_marks)
            book.append([line.number, line.full_name, line.grade, line.issued_on, marks])
    if not workbook.sheetnames:
        workbook.create_sheet(_sheet_title(_("Personal files")))
    stamp = content.stamp.replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = stamp
    workbook.properties.creator = content.school[:100]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalised_zip(buffer.getvalue(), stamp=stamp)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def _header(sheet, titles) -> None:
    sheet.append([str(t) for t in titles])
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _cell(value):
    return value if isinstance(value, int | str) or value is None else json.dumps(value, ensure_ascii=False)


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def normalised_zip(data: bytes, *, stamp: datetime) -> bytes:
    """The zip rewritten with fixed member times, and the document dates of an Office file set to
    `stamp` (openpyxl writes the time of saving)."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(lambda m: m.group(1) + iso + m.group(3), body)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, body)
    return out.getvalue()


# PDF/A --------------------------------------------------------------------------------------------------


def render_pdf(content: PackageContent) -> bytes:
    """Personal-file sheets (a page per student) and the certificate book, as PDF/A-3b."""
    students = [
        {
            "name": s.name,
            "birth_date": s.birth_date,
            "records": [
                {
                    "year": r.year,
                    "class_name": r.class_name,
                    "sections": [_section(n, d) for n, d in r.sections.items()],
                }
                for r in s.records
            ],
        }
        for s in content.students
    ]
    html = render_to_string(
        "archive/package.html", {"content": content, "students": students, "stamp": content.stamp.isoformat()}
    )
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    return html_to_pdf(
        html,
        left=content.school,
        right=content.year,
        pdf_options={"pdf_variant": "pdf/a-3b", "pdf_identifier": identifier},
    )


def _section(name: str, data) -> dict:
    if isinstance(data, list) and data and isinstance(data[0], dict):
        keys = list(data[0])
        return {
            "title": section_title(name),
            "columns": [str(COLUMNS.get(k, k)) for k in keys],
            "rows": [[row.get(k) if row.get(k) is not None else "—" for k in keys] for row in data],
        }
    if isinstance(data, dict):  # one record (the characteristic): a line per field
        return {
            "title": section_title(name),
            "fields": [(str(COLUMNS.get(k, k)), v if v not in (None, "") else "—") for k, v in data.items()],
        }
    return {
        "title": section_title(name),
        "text": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
    }
