"""Reading an uploaded table: the first sheet of an XLSX workbook or a CSV file, its type told by content.

Limits keep a hostile or mistaken file from costing more than a request: the size of the upload, the
size of the unpacked workbook, the number of rows and columns. A file that cannot be used at all is
refused with a DomainError; cells are returned as read, for the kinds to interpret.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from accounts.errors import DomainError

MAX_FILE_SIZE = 5 * 1024 * 1024
MAX_ROWS = 2000  # a new student with two new parents costs ~50 queries; a bigger file outlasts a request
MAX_COLUMNS = 40
MAX_UNZIPPED_SIZE = 100 * 1024 * 1024  # a 5 MB workbook that unpacks past this is not a class list
TRAILING_ROWS_SCANNED = 10_000  # formatted but empty rows at the end of a sheet are skipped, not counted
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and password-protected .xlsx
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NOT_A_SPREADSHEET = _("The file is not an XLSX workbook or a CSV table. Save it from Excel as .xlsx or CSV.")


def read_table(file) -> list[tuple[int, list]]:
    """(row number, cells) of the non-empty rows of the first sheet or of the CSV; type told by content."""
    data = file.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        raise DomainError(
            _("The file is larger than 5 MB. Split it into several files."), code="file_too_large"
        )
    if not data.strip():
        raise DomainError(_("The file is empty."), code="empty_file")
    if data.startswith(b"PK\x03\x04"):
        return _collect(_xlsx_rows(data))
    if data.startswith(XLS_MAGIC):
        raise DomainError(
            _("Old .xls files and password-protected workbooks cannot be read. Save it as .xlsx."), code="xls"
        )
    if (getattr(file, "name", "") or "").lower().endswith(".xlsx"):
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet")
    return _collect(_csv_rows(data))


def _xlsx_rows(data: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet") from None
    if "[Content_Types].xml" not in names:
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet")
    if unzipped > MAX_UNZIPPED_SIZE:
        raise DomainError(
            _("The workbook is too large when unpacked. Split it into several files."), code="file_too_large"
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure of a third-party parser on an untrusted file means "unreadable"
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet") from exc
    try:
        yield from book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except Exception as exc:  # a malformed sheet fails only while it is read
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet") from exc
    finally:
        book.close()


def _csv_rows(data: bytes):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        text = data.decode("utf-16")
    elif b"\x00" in data:
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")  # Russian Excel's "CSV (разделители - запятые)"
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield cells[:MAX_COLUMNS]


def _collect(rows) -> list[tuple[int, list]]:
    table = []
    try:
        for number, cells in enumerate(rows, start=1):
            if number > MAX_ROWS + 1 + TRAILING_ROWS_SCANNED:
                break
            values = [v.strip() if isinstance(v, str) else v for v in cells]
            if all(v is None or v == "" for v in values):
                continue
            if number > MAX_ROWS + 1:
                raise DomainError(
                    _("The file has more than %(n)s rows. Split it.") % {"n": MAX_ROWS}, code="too_many_rows"
                )
            table.append((number, values))
    except (csv.Error, UnicodeError) as exc:
        raise DomainError(NOT_A_SPREADSHEET, code="not_a_spreadsheet") from exc
    return table
