import time
from datetime import date

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.errors import DomainError
from gradebook.demo import (
    build_demo_diagnostics,
    build_demo_journal,
    build_demo_school,
    demo_logins,
    demo_school_flush,
    format_demo_logins,
)
from gradebook.demo.previous_year import build_demo_previous_year
from gradebook.models import School


class Command(BaseCommand):
    help = (
        "Creates a deterministic demo school: grades 1–11, the federal curriculum, teachers and their load, "
        "students, parents and the demo logins (password: settings.DEMO_PASSWORD), and the class journal "
        "from 1 September to today, with start-of-year tests and reading technique checks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=1100, help="about how many students (default 1100)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="the same seed gives the same school")
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="fill the journal up to this date, YYYY-MM-DD (default: today)",
        )
        parser.add_argument("--no-journal", action="store_true", help="only the school: no lessons or marks")
        parser.add_argument(
            "--previous-year",
            action="store_true",
            help="also the year before, kept as its results: classes, enrolments, term and annual marks",
        )
        parser.add_argument(
            "--archive",
            action="store_true",
            help="with --previous-year: close that year (graduates, personal files, the certificate book), "
            "build its archive package, and add leavers whose records near their retention date",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="do nothing if a school already exists")
        mode.add_argument(
            "--flush",
            action="store_true",
            help="delete the school and every account first (tests and benchmarks)",
        )

    @staticmethod
    def build_portfolio(*, seed, until):
        """The portfolio app builds its own demo part (it depends on gradebook, not the other way round)."""
        if not apps.is_installed("portfolio"):
            return None
        from portfolio.demo import build_demo_portfolio

        return build_demo_portfolio(seed=seed, until=until)

    @staticmethod
    def build_achievements(*, seed):
        """The achievements app builds its own demo part, after the previous year and the portfolio."""
        if not apps.is_installed("achievements"):
            return None
        from achievements.demo import build_demo_achievements

        return build_demo_achievements(seed=seed)

    @staticmethod
    def build_archive(*, seed):
        """The archive app closes the previous year and builds its package (it depends on gradebook)."""
        if not apps.is_installed("archive"):
            return None
        from archive.demo import build_demo_archive

        return build_demo_archive(seed=seed)

    def handle(
        self, *args, students, seed, until, no_journal, previous_year, archive, if_empty, flush, **options
    ):
        if if_empty and School.objects.exists():
            self.stdout.write("Школа уже есть в базе — демо-школа не создаётся.")
            return
        if flush and settings.PRODUCTION:
            raise CommandError("--flush deletes every account and is refused in production.")
        started = time.monotonic()
        try:
            with transaction.atomic():
                if flush:
                    demo_school_flush()
                summary = build_demo_school(students=students, seed=seed)
                journal = None if no_journal else build_demo_journal(seed=seed, until=until)
                diagnostics = None if no_journal else build_demo_diagnostics(seed=seed, until=until)
                previous = build_demo_previous_year(seed=seed) if previous_year else None
                portfolio = None if no_journal else self.build_portfolio(seed=seed, until=until)
                achievements = None if no_journal else self.build_achievements(seed=seed)
                archived = self.build_archive(seed=seed) if previous_year and archive else None
        except DomainError as error:
            raise CommandError(str(error)) from error
        s = summary
        self.stdout.write(
            f"{s.school}, {s.year} учебный год: классов {s.classes}, обучающихся {s.students} "
            f"(с логином {s.student_accounts}), учителей {s.teachers}, родителей {s.parents} "
            f"(связей с детьми {s.guardianships}), записей нагрузки {s.assignments}, "
            f"переводов между классами {s.transfers}, выбывших {s.leavers}."
        )
        if journal is not None:
            j = journal
            self.stdout.write(
                f"Журнал по {j.until:%d.%m.%Y}: уроков {j.lessons}, отметок {j.marks}, "
                f"отметок посещаемости {j.attendance}, отметок за периоды {j.term_marks}, "
                f"годовых {j.annual_marks}, закрытых периодов по классам {j.closed}, "
                f"запросов на исправление {j.corrections}, записей истории {j.history}."
            )
        if diagnostics is not None:
            self.stdout.write(
                f"Диагностические работы и техника чтения: работ {diagnostics.works}, "
                f"результатов {diagnostics.results}."
            )
        if previous is not None:
            p = previous
            self.stdout.write(
                f"Прошлый учебный год {p.year}: классов {p.classes}, обучающихся {p.students}, "
                f"отметок за периоды {p.term_marks}, годовых {p.annual_marks}."
            )
        if portfolio is not None:
            p = portfolio
            self.stdout.write(
                f"Портфолио: достижений {p.items} (подтверждено {p.verified}, на проверке {p.submitted}, "
                f"отклонено {p.rejected}), сканов {p.evidence}, предложений к поощрению {p.proposals}, "
                f"поощрений {p.awards}, заявлений о зачёте {p.credits}, записей ГИР {p.registry}."
            )
        if achievements is not None:
            a = achievements
            self.stdout.write(
                f"УУД и личностные результаты: уровней {a.levels} (прошлый год {a.previous_levels}), "
                f"анкетирований классов {a.surveys}, опубликованных характеристик {a.characteristics}."
            )
        if archived is not None:
            a = archived
            self.stdout.write(
                f"Архив: {a.year} закрыт — записей личных дел {a.records}, аттестатов {a.certificates}, "
                f"архивный пакет из {a.package_files} файлов; выбывших с истекающим сроком хранения {a.leavers}."
            )
        self.stdout.write(f"Готово за {time.monotonic() - started:.1f} с.")
        self.stdout.write("")
        self.stdout.write(format_demo_logins(demo_logins()))
