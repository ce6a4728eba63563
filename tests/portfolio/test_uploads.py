"""Evidence uploads: the type is decided by content, the size is limited, images lose their metadata."""

import io

import pytest
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter

from accounts.errors import DomainError
from portfolio import uploads
from portfolio.uploads import evidence_clean, strip_jpeg_metadata, strip_png_metadata
from tests.portfolio.scans import (
    EXECUTABLE,
    GPS_MARK,
    HTML,
    jpeg_bytes,
    pdf_bytes,
    pdf_reader,
    png_bytes,
    upload,
)


@pytest.fixture(autouse=True)
def _english():
    """The messages and the file's labels are checked in English, the msgids."""
    with translation.override("en"):
        yield


def refusal(file) -> DomainError:
    with pytest.raises(DomainError) as caught:
        evidence_clean(file)
    return caught.value


def test_pdf_is_accepted_rewritten_with_its_pages():
    clean = evidence_clean(upload("диплом.pdf", pdf_bytes()))
    assert (clean.content_type, clean.extension) == ("application/pdf", "pdf")
    (page,) = pdf_reader(clean.content).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (200, 100)


def catalog_with(entries: bytes) -> bytes:
    """A one-page PDF whose catalogue carries `entries` (written as a later revision of object 1)."""
    data = pdf_bytes()
    reader = pdf_reader(data)
    root = reader.trailer.raw_get("/Root").idnum
    pages = reader.trailer["/Root"].raw_get("/Pages").idnum
    revision = b"%d 0 obj<</Type/Catalog/Pages %d 0 R" % (root, pages) + entries + b">>endobj\n"
    at = data.rindex(b"startxref")
    return data[:at] + revision + data[at:]


def test_a_script_hidden_by_name_escapes_never_reaches_the_stored_pdf():
    """«/J#61vaScript» is /JavaScript to a PDF reader but not to a byte search: the rewrite leaves the
    document's actions behind whatever they are called."""
    data = catalog_with(
        b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>/AA<</WC<</S/URI/URI(http://x.example/)>>>>"
    )
    stored = evidence_clean(upload("x.pdf", data)).content
    root = pdf_reader(stored).trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root
    assert b"J#61vaScript" not in stored and b"app.alert" not in stored and b"x.example" not in stored


def test_forms_names_and_page_actions_are_left_out():
    data = catalog_with(
        b"/AcroForm<</Fields[]>>/Names<</Dests<<>>>>/OpenAction<</S/SubmitForm/F(http://x.example)>>"
    )
    stored = evidence_clean(upload("x.pdf", data)).content
    root = pdf_reader(stored).trailer["/Root"]
    assert not {"/AcroForm", "/Names", "/OpenAction"} & set(root.keys())
    assert b"x.example" not in stored


def test_the_pdfs_metadata_is_dropped():
    data = pdf_bytes(info={"/Author": "Иванов, ул. Ленина 5 кв 7", "/Title": "GPS 55.75,37.61"})
    assert pdf_reader(data).metadata["/Author"].startswith("Иванов")
    stored = evidence_clean(upload("x.pdf", data)).content
    metadata = pdf_reader(stored).metadata or {}
    assert "/Author" not in metadata and "/Title" not in metadata
    assert "Ленина".encode("utf-16-be") not in stored and b"55.75" not in stored


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=10, height=10)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert refusal(upload("x.pdf", out.getvalue())).code == "damaged"


@pytest.mark.parametrize("content", [EXECUTABLE, HTML], ids=["exe", "html"])
def test_file_disguised_by_its_extension_is_refused(content):
    error = refusal(upload("диплом.pdf", content, "application/pdf"))
    assert error.code == "wrong_type"
    assert "PDF, JPEG or PNG" in error.message


def test_image_named_pdf_is_stored_as_what_it_is():
    clean = evidence_clean(upload("scan.pdf", png_bytes()))
    assert clean.content_type == "image/png" and clean.extension == "png"


def test_file_over_the_limit_is_refused(settings):
    settings.PORTFOLIO_EVIDENCE_MAX_MB = 1
    big = pdf_bytes(b"0" * (1024 * 1024))
    error = refusal(upload("big.pdf", big))
    assert error.code == "too_large"
    assert error.details == {"limit_mb": 1}
    assert "1 MB" in error.message


def test_file_just_under_the_limit_is_accepted(settings):
    settings.PORTFOLIO_EVIDENCE_MAX_MB = 1
    data = pdf_bytes(b"0" * (1024 * 1024 - len(pdf_bytes()) - 10))
    assert len(data) < 1024 * 1024
    assert evidence_clean(upload("ok.pdf", data)).content.startswith(b"%PDF-")


def test_empty_file_is_refused():
    assert refusal(upload("x.pdf", b"")).code == "empty_file"


def test_truncated_pdf_is_refused():
    assert refusal(upload("x.pdf", b"%PDF-1.4\n1 0 obj")).code == "damaged"


def test_pdf_with_javascript_is_refused():
    error = refusal(upload("x.pdf", pdf_bytes(b"3 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj")))
    assert error.code == "active_pdf"


def test_jpeg_header_with_garbage_body_is_refused():
    assert refusal(upload("x.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 20)).code == "damaged"


def test_jpeg_is_reencoded_without_exif_and_comments():
    data = jpeg_bytes()
    assert GPS_MARK in data
    clean = evidence_clean(upload("photo.jpg", data, "image/jpeg"))
    assert clean.content_type == "image/jpeg"
    assert GPS_MARK not in clean.content and b"PhoneMaker" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.size == (40, 30)
        assert not image.getexif()


def test_png_is_reencoded_without_text_chunks():
    data = png_bytes()
    assert GPS_MARK in data
    clean = evidence_clean(upload("scan.png", data, "image/png"))
    assert GPS_MARK not in clean.content
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.size == (20, 10) and not image.text


# Without Pillow: the segment strip ------------------------------------------------------------------


def test_jpeg_segment_strip_removes_app1_and_comments_and_keeps_the_image():
    data = jpeg_bytes()
    stripped = strip_jpeg_metadata(data)
    assert GPS_MARK not in stripped and b"Exif" not in stripped and b"PhoneMaker" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        image.load()
        assert image.size == (40, 30)


def test_png_chunk_strip_removes_text_and_exif_chunks_and_keeps_the_image():
    stripped = strip_png_metadata(png_bytes())
    assert GPS_MARK not in stripped and b"tEXt" not in stripped and b"eXIf" not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        image.load()
        assert image.size == (20, 10)


def test_png_chunk_strip_refuses_a_broken_checksum():
    data = bytearray(png_bytes(with_text=False))
    data[20] ^= 0xFF  # inside IHDR's body
    with pytest.raises(DomainError):
        strip_png_metadata(bytes(data))


def test_without_pillow_the_strip_is_used(monkeypatch):
    monkeypatch.setattr(uploads, "PILLOW", False)
    clean = evidence_clean(upload("photo.jpg", jpeg_bytes(), "image/jpeg"))
    assert GPS_MARK not in clean.content
    assert clean.content == strip_jpeg_metadata(jpeg_bytes())


def test_a_pdf_that_pypdf_cannot_read_is_refused_as_damaged():
    """Ends like a PDF and shows no active content, but its insides are not a PDF's."""
    garbage = b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\ntrailer<</Root 9 0 R>>\n%%EOF\n"
    assert refusal(upload("x.pdf", garbage)).code == "damaged"
