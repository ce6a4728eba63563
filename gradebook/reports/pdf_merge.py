"""Joining PDF files into one, page numbers stamped over the whole: pypdf, an optional dependency imported
only here and only when used. Without it `pdf_merge_available()` is False and callers build in one piece.
Never touches the ORM.
"""

import importlib.util
from collections.abc import Callable
from io import BytesIO


def pdf_merge_available() -> bool:
    return importlib.util.find_spec("pypdf") is not None


def pdf_merge(
    parts: list[bytes], *, stamps: Callable[[int], bytes], progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The pages of `parts` in order, in one file; page i carries page i of `stamps(total pages)` drawn over
    it (the page numbers). The document's title and outline (bookmarks) come with the parts.
    `progress(done, total)` is called per part joined."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for done, content in enumerate(parts, start=1):
        reader = PdfReader(BytesIO(content))
        if done == 1 and reader.metadata:
            writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
        writer.append(reader)
        if progress is not None:
            progress(done, len(parts))
    overlay = PdfReader(BytesIO(stamps(len(writer.pages))))
    if len(overlay.pages) != len(writer.pages):
        raise ValueError(f"{len(overlay.pages)} stamps for {len(writer.pages)} pages")
    for page, stamp in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()  # merge_page leaves the content uncompressed
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
