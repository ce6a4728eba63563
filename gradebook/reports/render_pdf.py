"""Reports as PDF (WeasyPrint): A4 landscape, school name and date at the top of every page, «стр. N из M»
at the bottom, DejaVu Sans for Cyrillic (embedded). Never touches the ORM.

WeasyPrint may fetch nothing but the app's own static files: the HTML is rendered against a base URL on
the reserved `.invalid` domain, and `StaticOnlyFetcher` answers only its /static/ paths, from the static
files finders (or the collected files). Every other URL — file://, http(s), data of other hosts — is
refused, so no name typed into the school's data can make the server read a file or call the network.
"""

import hashlib
import logging
import mimetypes
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from gradebook.reports.ledger import ClassLedger, Ledger, Progress

BASE_URL = "https://report.invalid/"
PROGRESS_LOGGER = logging.getLogger("weasyprint.progress")  # documented by WeasyPrint


class StaticOnlyFetcher(URLFetcher):
    """A URL fetcher that serves the app's static files and refuses everything else."""

    def __init__(self):
        super().__init__(allowed_protocols=())

    def fetch(self, url, headers=None):
        path = static_file_for(url)
        if path is None:
            raise ValueError(f"refused to fetch {url[:200]!r}: only the app's static files are allowed")
        mime, _encoding = mimetypes.guess_type(path.name)
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime or "text/plain"})


def static_file_for(url: str) -> Path | None:
    """The local file of one of the app's static URLs under BASE_URL, or None."""
    prefix = urljoin(BASE_URL, settings.STATIC_URL)
    parts = urlsplit(url)
    if parts.query or parts.fragment or not url.startswith(prefix):
        return None
    relative = unquote(url[len(prefix) :])
    if not relative or relative.startswith("/") or "\\" in relative or ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    try:
        collected = Path(staticfiles_storage.path(relative))
    except NotImplementedError:
        return None
    return collected if collected.is_file() else None


def css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes, backslashes, control and markup characters escaped."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 0x20 else ch for ch in text)
    return f'"{escaped}"'


def page_margin_css(*, left: str, right: str, numbers: bool = True) -> str:
    """The running header (left and right texts) and, with `numbers`, «page N of M», in the active
    language."""
    boxes = [
        f"@top-left {{ content: {css_string(left)}; font-family: 'DejaVu Sans'; font-size: 7pt; }}",
        f"@top-right {{ content: {css_string(right)}; font-family: 'DejaVu Sans'; font-size: 7pt; }}",
    ]
    if numbers:
        boxes.append(_page_number_box())
    return "@page { " + " ".join(boxes) + " }"


def _page_number_box() -> str:
    pattern = _("page %(page)s of %(pages)s") % {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    content = " ".join(
        f"counter({part})" if part in ("page", "pages") else css_string(part)
        for part in pattern.split("\x00")
        if part
    )
    return f"@bottom-right {{ content: {content}; font-family: 'DejaVu Sans'; font-size: 7pt; }}"


def html_to_pdf(
    html: str,
    *,
    left: str,
    right: str,
    progress: Progress | None = None,
    pages: int = 1,
    numbers: bool = True,
    pdf_options: dict | None = None,
) -> bytes:
    """The PDF of `html`. `pdf_options` go to WeasyPrint's write_pdf (the archive asks for PDF/A with a
    fixed identifier). `progress(done, 100)` follows WeasyPrint's steps and the pages it lays out
    (about `pages` of them), read from its documented `weasyprint.progress` logger. Without `numbers`,
    the pages have no «page N of M» (a part of a file whose pages are numbered when joined)."""
    fetcher = StaticOnlyFetcher()
    margins = page_margin_css(left=left, right=right, numbers=numbers)
    with _layout_progress(progress, pages):
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            stylesheets=[CSS(string=margins, url_fetcher=fetcher)]
        )
        content = document.write_pdf(**(pdf_options or {}))
    if progress is not None:
        progress(100, 100)
    return content


class _ProgressFromLog(logging.Handler):
    """Turns WeasyPrint's progress records of this thread into `progress(done, 100)` calls."""

    STEPS = {"Step 3": 15, "Step 4": 25, "Step 6": 92}

    def __init__(self, progress: Progress, pages: int):
        super().__init__(logging.INFO)
        self.progress, self.pages = progress, max(pages, 1)
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another document rendered at the same time in this process
        message = str(record.msg)
        if message.startswith("Step 5") and isinstance(record.args, tuple) and record.args:
            self.progress(25 + min(65, 65 * int(record.args[0]) // self.pages), 100)
        elif message[:6] in self.STEPS:
            self.progress(self.STEPS[message[:6]], 100)


class _ProgressHook:
    """While a ledger renders, `weasyprint.progress` logs at INFO to our handlers only: the settings may
    silence WeasyPrint (level WARNING) and its page-by-page lines must not flood the log either. The
    logger's own level and propagation are restored when the last render in the process ends."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.saved = (logging.NOTSET, True)

    @contextmanager
    def __call__(self, progress: Progress | None, pages: int):
        if progress is None:
            yield
            return
        handler = _ProgressFromLog(progress, pages)
        with self.lock:
            if not self.active:
                self.saved = (PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate)
                PROGRESS_LOGGER.setLevel(logging.INFO)
                PROGRESS_LOGGER.propagate = False
            self.active += 1
            PROGRESS_LOGGER.addHandler(handler)
        try:
            yield
        finally:
            with self.lock:
                PROGRESS_LOGGER.removeHandler(handler)
                self.active -= 1
                if not self.active:
                    PROGRESS_LOGGER.setLevel(self.saved[0])
                    PROGRESS_LOGGER.propagate = self.saved[1]


_layout_progress = _ProgressHook()


def render_pdf(
    ledger: Ledger,
    *,
    progress: Progress | None = None,
    stamp: datetime | None = None,
    pdf_variant: str | None = None,
) -> bytes:
    """The ledger's PDF. With a `stamp` (the archive's), the file is reproducible: `stamp` is its one
    date (created = modified) and its identifier comes from the content, so the same ledger gives the
    same bytes; `pdf_variant` ("pdf/a-3b") goes to WeasyPrint."""
    html = render_to_string(
        "reports/ledger.html",
        {
            "ledger": ledger,
            "LANGUAGE_CODE": translation.get_language(),
            "stamp": stamp.isoformat() if stamp else "",
        },
    )
    if progress is not None:
        progress(10, 100)
    options = {}
    if stamp is not None:
        options["pdf_identifier"] = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    pages = 1 + sum(1 for c in ledger.classes)  # the summary, then a page per class (more for big ones)
    return html_to_pdf(
        html,
        left=ledger.school_name,
        right=_made_on(ledger),
        progress=progress,
        pages=pages,
        pdf_options=options or None,
    )


def render_pdf_pages(ledger: Ledger, *, sections: tuple[ClassLedger, ...], first: bool) -> bytes:
    """The pages of some of the ledger's classes (`sections`) as `render_pdf` lays them out, without page
    numbers: a part of a ledger built in parts. The `first` part has the title and the summary too."""
    html = render_to_string(
        "reports/ledger.html",
        {
            "ledger": ledger,
            "sections": sections,
            "continued": not first,
            "LANGUAGE_CODE": translation.get_language(),
        },
    )
    return html_to_pdf(html, left=ledger.school_name, right=_made_on(ledger), numbers=False)


def page_numbers_pdf(pages: int) -> bytes:
    """`pages` blank pages with nothing but «page N of M», where and as `render_pdf` prints it: stamped on
    the pages of a ledger built in parts."""
    html = render_to_string("reports/page_numbers.html", {"pages": range(pages)})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).render(
        stylesheets=[CSS(string=f"@page {{ {_page_number_box()} }}")]
    )
    if len(document.pages) != pages:
        raise RuntimeError(f"laid out {len(document.pages)} pages of page numbers instead of {pages}")
    return document.write_pdf()


def _made_on(ledger: Ledger) -> str:
    return _("made on %(date)s") % {"date": date_format(ledger.made_on, "SHORT_DATE_FORMAT")}
