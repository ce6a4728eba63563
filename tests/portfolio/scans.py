"""Small evidence files built in memory: real PDFs, JPEGs and PNGs with metadata, and disguised ones."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter

GPS_MARK = b"GPS-59.9386N-30.3141E"


def pdf_bytes(extra: bytes = b"", *, info: dict | None = None) -> bytes:
    """A real one-page PDF (pypdf), with `extra` bytes put after its cross-reference table (objects a
    reader may still find, padding) and `info` as its document information."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=100)
    if info:
        writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    at = data.rindex(b"startxref")
    return data[:at] + extra + b"\n" + data[at:]


def jpeg_bytes(*, with_exif: bool = True, size=(40, 30)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0131] = GPS_MARK.decode()  # Software: a recognisable marker
        kwargs["exif"] = exif.tobytes()
    image.save(out, "JPEG", quality=80, **kwargs)
    data = out.getvalue()
    if with_exif:  # and a comment segment with the same marker
        data = data[:2] + b"\xff\xfe" + struct.pack(">H", len(GPS_MARK) + 2) + GPS_MARK + data[2:]
    return data


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(*, with_text: bool = True) -> bytes:
    image = Image.new("RGB", (20, 10), (30, 200, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    if not with_text:
        return data
    # insert tEXt and eXIf chunks after IHDR (8 signature + 25 IHDR chunk)
    head, tail = data[:33], data[33:]
    return head + _chunk(b"tEXt", b"Comment\x00" + GPS_MARK) + _chunk(b"eXIf", b"MM\x00*" + GPS_MARK) + tail


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200  # a Windows .exe header
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))
