"""The Russian catalog is complete, compiled, and uses Russian plural forms."""

import gettext
import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "ru" / "LC_MESSAGES"


def _po_msgids() -> list[str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    ids = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"Project' not in block:
            raise AssertionError(f"fuzzy entry left in django.po:\n{block}")
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if match:
            raw = "".join(re.findall(r'"(.*)"', match.group(1)))
            context = re.search(r'^msgctxt "(.*)"', block, re.M)
            prefix = f"{context.group(1)}\x04" if context else ""
            ids.append(
                prefix + re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)
            )
    return [i for i in ids if i]


def test_every_message_is_translated_in_the_compiled_catalog():
    catalog = gettext.GNUTranslations((LOCALE / "django.mo").open("rb"))
    missing = [
        msgid
        for msgid in _po_msgids()
        if msgid not in catalog._catalog and (msgid, 0) not in catalog._catalog
    ]
    assert missing == [], f"compile the catalog (make messages): {missing[:5]}"
    empty = [k for k, v in catalog._catalog.items() if k and not v]
    assert empty == []


def test_russian_plural_forms():
    with translation.override("ru"):
        forms = [
            translation.ngettext("%(counter)s student", "%(counter)s students", n) % {"counter": n}
            for n in (1, 2, 5, 11, 21, 22)
        ]
    assert forms == ["1 ученик", "2 ученика", "5 учеников", "11 учеников", "21 ученик", "22 ученика"]
