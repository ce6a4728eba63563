"""The school and grade ledger PDFs built in parts, a task each (see `gradebook.reports.job_parts`).

The data is taken once (`ledger_build`, a fixed number of queries) and cut at the classes. The cut keeps
the pages of the single render (`render_pdf`) exactly, because a class always starts a new page except the
first, which follows the title and the summary: part 0 is the title, the summary and the first class; part
i is the i-th class alone. Each part is laid out by WeasyPrint in its own task, so the memory of a worker
is that of one class however large the school (about 150 MB instead of 450 MB for 36 classes); joining
the parts' files (pypdf) holds only their bytes.

Page numbers are global, «page N of M» over the whole file exactly as in the single render: the parts are
laid out without them and the merge stamps every page with the same page of a numbers-only PDF that
WeasyPrint lays out under the same @page rules (same place, font and words).

The merge needs pypdf, an optional dependency. Without it `ledger_pdf_plan` answers None and the job
renders the whole PDF in one task, as a class's ledger always does.
"""

from dataclasses import replace

from gradebook.reports.ledger import Ledger, LedgerScope, Progress, ledger_build
from gradebook.reports.ledger_json import ledger_from_json, ledger_to_json
from gradebook.reports.pdf_merge import pdf_merge, pdf_merge_available
from gradebook.reports.render_pdf import page_numbers_pdf, render_pdf_pages

MIN_CLASSES = 2  # fewer: one task does it


def ledger_pdf_plan(
    checked: LedgerScope, *, progress: Progress | None = None
) -> list[tuple[str, dict]] | None:
    """[(the class's name, the part's data)] in page order, or None to render the PDF in one task."""
    if checked.scope == "class" or not pdf_merge_available():
        return None
    ledger = ledger_build(checked, progress=progress)
    if len(ledger.classes) < MIN_CLASSES:
        return None
    return [(c.name, _part_data(ledger, index)) for index, c in enumerate(ledger.classes)]


def _part_data(ledger: Ledger, index: int) -> dict:
    if index == 0:
        # The summary lists every class's figures; only the first class's table is laid out here.
        first = replace(
            ledger,
            classes=tuple(
                c if i == 0 else replace(c, subjects=(), students=()) for i, c in enumerate(ledger.classes)
            ),
        )
        return {"first": True, "ledger": ledger_to_json(first)}
    alone = replace(ledger, classes=(ledger.classes[index],), grades=(), school=None)
    return {"first": False, "ledger": ledger_to_json(alone)}


def ledger_pdf_part(data: dict) -> bytes:
    """One part's pages, without page numbers. Never touches the ORM."""
    ledger = ledger_from_json(data["ledger"])
    sections = ledger.classes[:1] if data["first"] else ledger.classes
    return render_pdf_pages(ledger, sections=sections, first=data["first"])


def ledger_pdf_merge(parts: list[bytes], *, progress: Progress | None = None) -> bytes:
    """The parts joined in order, every page numbered «page N of M» over the whole file."""
    return pdf_merge(parts, stamps=page_numbers_pdf, progress=progress)
