"""The demo school and its class journal, generated deterministically from a seed.

Layout: `school` plans and writes the school (`build_demo_school`), drawing on `names` (Russian names and
their grammar), `curriculum` (subjects and weekly hours), `plan` (the plan's data), `staffing` (classes
and teaching load) and `families` (students and parents); `logins` describes the demo logins. `journal`
writes the class journal (`build_demo_journal`) from `journal_school` (what it is made of),
`journal_students`, `journal_lessons`, `topics`, `journal_writer`, `journal_terms` and
`journal_corrections`. `diagnostics` writes the start-of-year tests and reading technique checks
(`build_demo_diagnostics`).
"""

from gradebook.demo.curriculum import SUBGROUPS, SUBJECTS, curriculum
from gradebook.demo.diagnostics import DiagnosticsSummary, build_demo_diagnostics
from gradebook.demo.journal import JournalSummary, build_demo_journal
from gradebook.demo.logins import DEMO_LOGINS, DemoLogin, demo_logins, format_demo_logins
from gradebook.demo.names import feminine_surname, patronymic, transliterate
from gradebook.demo.school import DemoSummary, build_demo_school, demo_school_flush, plan_school

__all__ = [
    "DEMO_LOGINS",
    "SUBGROUPS",
    "SUBJECTS",
    "DemoLogin",
    "DemoSummary",
    "DiagnosticsSummary",
    "JournalSummary",
    "build_demo_diagnostics",
    "build_demo_journal",
    "build_demo_school",
    "curriculum",
    "demo_logins",
    "demo_school_flush",
    "feminine_surname",
    "format_demo_logins",
    "patronymic",
    "plan_school",
    "transliterate",
]
