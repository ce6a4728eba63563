"""Renders a справка об успеваемости: the content snapshot (a JSON-shaped dict) → PDF bytes. No ORM.

The document is self-contained: inline CSS, the QR code as inline SVG, system fonts (DejaVu covers
Cyrillic). WeasyPrint gets a URL fetcher that refuses every URL, so nothing in the template can make it
read a local file or reach the network.
"""

from datetime import date

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher


class NoFetching(URLFetcher):
    """Refuses every URL (file:, http:, data: alike) and stops the rendering if one is asked for."""

    def __init__(self):
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        raise ValueError(f"the certificate fetches no URL: {url[:60]}")


def qr_svg(data: str) -> str:
    """The QR code of `data` as an inline <svg> element (error correction M, a two-module quiet zone: the
    frame around it adds the rest)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    svg = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def grouped_code(code: str) -> str:
    """«K7M4QX92P3AB» → «K7M4-QX92-P3AB»: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_html(content: dict) -> str:
    """The document's HTML, for the PDF and for tests of its text."""
    return render_to_string(
        "documents/progress_certificate.html",
        {
            "c": content,
            "issued_on": date.fromisoformat(content["issued_on"]),
            "birth_date": date.fromisoformat(content["student"]["birth_date"]),
            "code": grouped_code(content["verification_code"]),
            "qr": qr_svg(content["verify_url"]),
        },
    )


def certificate_pdf(content: dict) -> bytes:
    """A4 portrait PDF of the certificate. Render inside translation.override of the document's language."""
    document = HTML(string=certificate_html(content), base_url=None, url_fetcher=NoFetching())
    return document.write_pdf()
