"""Evidence uploads: the type is decided by content, the size is limited, images lose their metadata."""

import io

import pytest
from django.utils import translation
from PIL import Image

from accounts.errors import DomainError
from portfolio import uploads
from portfolio.uploads import evidence_clean, strip_jpeg_metadata, strip_png_metadata
from tests.portfolio.scans import EXECUTABLE, GPS_MARK, HTML, jpeg_bytes, pdf_bytes, png_bytes, upload


@pytest.fixture(autouse=True)
def _english():
    """The messages and the file's labels are checked in English, the msgids."""
    with translation.override("en"):
        yield


def refusal(file) -> DomainError:
    with pytest.raises(DomainError) as caught:
        evidence_clean(file)
    return caught.value


def test_pdf_is_accepted_as_is():
    data = pdf_bytes()
    clean = evidence_clean(upload("диплом.pdf", data))
    assert (clean.content_type, clean.content, clean.extension) == ("application/pdf", data, "pdf")


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
    assert evidence_clean(upload("ok.pdf", data)).content == data


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
