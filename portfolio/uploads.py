"""Checking an evidence scan before it is stored: the type by its content, the size, and no metadata.

The file's name and the browser's Content-Type are never trusted: the first bytes decide (PDF «%PDF-»,
PNG «\\x89PNG\\r\\n\\x1a\\n», JPEG «\\xFF\\xD8\\xFF»), then the structure is checked — Pillow must open and
verify an image, a PDF must end with «%%EOF», show no script or launch action in its bytes, and be readable by
pypdf. Images are re-encoded by Pillow, which drops EXIF, XMP, IPTC and text chunks (the GPS position of a
phone photo, the camera's serial number). Without Pillow the same metadata is cut out segment by segment
(`strip_jpeg_metadata`, `strip_png_metadata`). A PDF is rewritten by pypdf from its pages alone: the document's
actions, JavaScript, forms, embedded files, outlines and metadata (document information, XMP) are not
copied, and each page loses its actions, annotations and metadata — so an action hidden from the byte
search (a name written with #-escapes, an object stream) never reaches the stored file.

Refusals are DomainErrors with a message for people; nothing is stored before the check passes.
"""

import io
import struct
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from accounts.errors import DomainError

try:  # Pillow is a dependency of the project; the segment strip below is the fallback without it
    from PIL import Image, ImageOps

    PILLOW = True
except ImportError:  # pragma: no cover - exercised by test_uploads through the functions directly
    PILLOW = False

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Active content a scan has no business carrying: scripts, launching programs, embedded files, forms.
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
# What a page keeps out of the rewritten PDF: its open/close actions, annotations (links, form widgets, sounds,
# attachments) and its own XMP stream.
PAGE_DROPPED = ("/AA", "/Annots", "/Metadata", "/PieceInfo")
MAX_PIXELS = 60_000_000  # a 600 dpi A3 scan is about 70 MP at 24 bits; we refuse bigger bombs early


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    original_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_bytes() -> int:
    return settings.PORTFOLIO_EVIDENCE_MAX_MB * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The type the first bytes show, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def evidence_clean(upload) -> CleanFile:
    """The checked, metadata-free content of an uploaded file, or a DomainError saying what is wrong."""
    name = (getattr(upload, "name", "") or "scan")[-200:]
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise too_large_error()
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large_error()
    if not data:
        raise DomainError(_("The file is empty."), code="empty_file")
    kind = sniff(data[:16])
    if kind is None:
        raise DomainError(
            _("Only PDF, JPEG or PNG scans are accepted; this file is none of them, whatever its name says."),
            code="wrong_type",
        )
    if kind == PDF:
        return CleanFile(pdf_checked(data), PDF, name)
    cleaned = image_reencoded(data, kind) if PILLOW else image_stripped(data, kind)
    return CleanFile(cleaned, kind, name)


def too_large_error() -> DomainError:
    return DomainError(
        _("The file is larger than %(limit)s MB.") % {"limit": settings.PORTFOLIO_EVIDENCE_MAX_MB},
        code="too_large",
        details={"limit_mb": settings.PORTFOLIO_EVIDENCE_MAX_MB},
    )


def _damaged() -> DomainError:
    return DomainError(_("The file is damaged or is not a real scan."), code="damaged")


def pdf_checked(data: bytes) -> bytes:
    """The PDF rewritten from its pages alone (see the module's docstring), if it looks complete, shows no
    active content and pypdf can read it; an encrypted PDF or one without pages is refused as damaged."""
    if b"%%EOF" not in data[-2048:]:
        raise _damaged()
    if any(marker in data for marker in PDF_ACTIVE):
        raise DomainError(
            _("The PDF contains scripts or embedded files; save the scan as a plain PDF and try again."),
            code="active_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted or not reader.pages:
            raise _damaged()
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        for page in writer.pages:
            for key in PAGE_DROPPED:
                if key in page:
                    del page[key]
        out = io.BytesIO()
        writer.write(out)
    except DomainError:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        struct.error,
        zlib.error,
    ):
        raise _damaged() from None
    return out.getvalue()


def image_reencoded(data: bytes, kind: str) -> bytes:
    """The image drawn anew by Pillow: same pixels (turned upright by its EXIF orientation), no metadata."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if (probe.format, kind) not in {("JPEG", JPEG), ("PNG", PNG)}:
                raise _damaged()
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(_("The image is too large in pixels."), code="too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _encode(upright, kind)
    except DomainError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, struct.error):
        raise _damaged() from None


def _encode(image, kind: str) -> bytes:
    """Pillow writes back what `info` holds (a JPEG comment, a PNG's text, the ICC profile): start clean."""
    image.info = {}
    out = io.BytesIO()
    if kind == JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def image_stripped(data: bytes, kind: str) -> bytes:
    return strip_jpeg_metadata(data) if kind == JPEG else strip_png_metadata(data)


# Without Pillow: cut the metadata out of the file's structure -------------------------------------------

# APP1 (EXIF, XMP), APP12 (Ducky, camera notes), APP13 (Photoshop IRB/IPTC) and comments (COM).
JPEG_METADATA_MARKERS = {0xE1, 0xEC, 0xED, 0xFE}
PNG_METADATA_CHUNKS = {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"}


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its metadata segments; the entropy-coded image data after SOS is copied as is.

    Raises the «damaged» DomainError for a file whose segments do not chain up to SOS."""
    if not data.startswith(b"\xff\xd8"):
        raise _damaged()
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise _damaged()
        marker = data[pos + 1] if pos + 1 < len(data) else None
        if marker is None:
            raise _damaged()
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # end of image without scan data
            raise _damaged()
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            out += data[pos : pos + 2]
            pos += 2
            continue
        if pos + 4 > len(data):
            raise _damaged()
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise _damaged()
        if marker == 0xDA:  # start of scan: the rest is image data and the end marker
            out += data[pos:]
            return bytes(out)
        if marker not in JPEG_METADATA_MARKERS:
            out += data[pos:end]
        pos = end
    raise _damaged()


def strip_png_metadata(data: bytes) -> bytes:
    """The PNG without text, EXIF and time chunks; every kept chunk's CRC is checked on the way."""
    if not data.startswith(PNG_SIGNATURE):
        raise _damaged()
    out = bytearray(PNG_SIGNATURE)
    pos = len(PNG_SIGNATURE)
    seen_end = False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk_type = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _damaged()
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(chunk_type + body) != crc:
            raise _damaged()
        if chunk_type not in PNG_METADATA_CHUNKS:
            out += data[pos:end]
        pos = end
        if chunk_type == b"IEND":
            seen_end = True
            break
    if not seen_end:
        raise _damaged()
    return bytes(out)


# Refusing an oversized file while it arrives -------------------------------------------------------------


class EvidenceUploadLimit(FileUploadHandler):
    """Skips a file of the request once it passes the limit, so its rest is read but never stored on disk.

    The view must look at `too_large` after reading request.FILES and refuse the whole request: a skipped
    file is simply missing from request.FILES."""

    too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limited(view):
    """Puts EvidenceUploadLimit in front of the upload handlers before anything reads the body.

    CSRF's check reads the body, so (as Django documents for upload handlers) the outer view is exempt and
    the inner one is CSRF-protected. The view gets the handler as `request.evidence_limit`."""

    @wraps(view)
    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        limit = EvidenceUploadLimit(request)
        request.upload_handlers.insert(0, limit)
        request.evidence_limit = limit
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


def upload_too_large(request) -> bool:
    """True when a file of this request went past the limit (reads the body if nothing has yet)."""
    limit = getattr(request, "evidence_limit", None)
    if request.method != "POST" or limit is None:
        return False
    request.FILES  # noqa: B018 - parse the body through the handlers
    return limit.too_large
