"""Bulk import: what each kind of file creates, how bad rows are reported, all-or-nothing, re-import."""

import io
import json
import logging
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from guardian.models import UserObjectPermission
from openpyxl import Workbook

from accounts.access import children_of
from accounts.errors import DomainError
from accounts.models import Guardianship, Role, Student, UserRole
from accounts.roles import has_role
from gradebook.access import classes_led_by, classes_visible_to
from gradebook.imports import ImportKind, RowAction, import_commit, import_preview
from gradebook.models import (
    AssessmentScale,
    ClassSubject,
    Enrolment,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
)

User = get_user_model()
SAMPLES = Path(settings.BASE_DIR) / "docs" / "import-samples"
MODELS = [
    User,
    UserRole,
    Student,
    Guardianship,
    SchoolClass,
    Subject,
    ClassSubject,
    Subgroup,
    TeachingAssignment,
    Enrolment,
    UserObjectPermission,
]
STAFF_HEADER = "Фамилия;Имя;Отчество;Логин;E-mail;Роли"
CLASSES_HEADER = "Параллель;Буква;Классный руководитель"
STUDENTS_HEADER = (
    "Фамилия;Имя;Отчество;Дата рождения;Пол;Класс;Дата зачисления;"
    "Родитель 1 ФИО;Родитель 1 кем приходится;Родитель 1 e-mail;Родитель 1 логин;"
    "Родитель 2 ФИО;Родитель 2 кем приходится;Родитель 2 e-mail;Родитель 2 логин"
)
LOAD_HEADER = "Класс;Предмет;Учитель;Подгруппа;Часов в неделю;Создать предмет"


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted by their English msgids, whatever the Russian catalog says."""
    with translation.override("en"):
        yield


def snapshot() -> dict:
    """Every row of every table an import may write, to prove that nothing changed."""
    return {m.__name__: list(m.objects.order_by("pk").values_list()) for m in MODELS}


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in MODELS}


def csv_file(*lines: str, name: str = "import.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding), content_type="text/csv")


def commit(world, kind: ImportKind, *lines: str):
    return import_commit(kind=kind, file=csv_file(*lines), user=world.admin)


def preview(kind: ImportKind, *lines: str):
    return import_preview(kind=kind, file=csv_file(*lines))


def actions(plan) -> dict[int, str]:
    return {r.row_number: r.action for r in plan.rows}


def error_codes(plan) -> dict[int, list[str]]:
    return {r.row_number: [e.code for e in r.errors] for r in plan.rows if r.errors}


def student_line(last, first, middle, born, gender, school_class, start="", *parents) -> str:
    cells = [last, first, middle, born, gender, school_class, start, *parents]
    return ";".join(cells + [""] * (15 - len(cells)))


# --- Staff ------------------------------------------------------------------------------------------


def test_staff_import_creates_accounts_with_roles_and_no_password(world):
    plan = commit(
        world,
        ImportKind.STAFF,
        STAFF_HEADER,
        "Смирнова;Ольга;Викторовна;smirnova.ov;smirnova@school.example;учитель",
        "Кузнецов;Андрей;Петрович;kuznetsov.ap;;Учитель, заместитель директора",
        'Попова;Елена;;popova.es;;"директор; администратор"',
    )

    assert plan.committed and actions(plan) == {2: "create", 3: "create", 4: "create"}
    smirnova = User.objects.get(username="smirnova.ov")
    assert (smirnova.last_name, smirnova.middle_name, smirnova.email) == (
        "Смирнова",
        "Викторовна",
        "smirnova@school.example",
    )
    assert not smirnova.has_usable_password()
    assert has_role(smirnova, Role.TEACHER)
    assert set(UserRole.objects.filter(user__username="kuznetsov.ap").values_list("role", flat=True)) == {
        "teacher",
        "deputy",
    }
    assert set(UserRole.objects.filter(user__username="popova.es").values_list("role", flat=True)) == {
        "director",
        "admin",
    }


def test_staff_existing_login_gets_only_the_missing_roles(world):
    plan = commit(world, ImportKind.STAFF, STAFF_HEADER, "Teacher;Тест;;teacher;;учитель, завуч")

    assert actions(plan) == {2: RowAction.UPDATE}
    assert str(Role.DEPUTY.label) in plan.rows[0].description
    assert has_role(User.objects.get(username="teacher"), Role.DEPUTY)
    again = commit(world, ImportKind.STAFF, STAFF_HEADER, "Teacher;Тест;;teacher;;учитель, завуч")
    assert actions(again) == {2: RowAction.UNCHANGED}


def test_staff_existing_account_is_not_edited_by_an_import(world):
    plan = commit(world, ImportKind.STAFF, STAFF_HEADER, "Teacher;Тест;;teacher;new@example.org;учитель")

    assert error_codes(plan) == {2: ["email_differs"]}
    assert User.objects.get(username="teacher").email == ""


def test_staff_bad_rows_are_reported_with_row_numbers_and_nothing_is_written(world):
    before = snapshot()

    plan = commit(
        world,
        ImportKind.STAFF,
        STAFF_HEADER,
        "Смирнова;Ольга;Викторовна;smirnova.ov;;учитель",
        "Повар;Иван;;povar;;повар",
        "",
        "Смирнова;Ольга;Викторовна;smirnova.ov;;учитель",
        "Иванов;Иван;;teacher;;учитель",
        "Петров;Пётр;;petrov;not-an-email;учитель",
        ";Пётр;;bad login!;;",
    )

    assert not plan.committed
    assert error_codes(plan) == {
        3: ["unknown_role"],
        5: ["duplicate_row"],
        6: ["other_person"],
        7: ["invalid_email"],
        8: ["required", "invalid_login", "required"],
    }
    assert actions(plan)[2] == RowAction.CREATE  # fine on its own, but not saved with the others
    assert "Unknown role «повар»" in plan.rows[1].errors[0].message
    assert "repeats row 2" in plan.rows[2].errors[0].message
    assert snapshot() == before


# --- Classes ---------------------------------------------------------------------------------------


def test_classes_import_creates_class_whose_teacher_leads_it(world):
    plan = commit(world, ImportKind.CLASSES, CLASSES_HEADER, "6;а;colleague", "1;Б;")

    assert plan.committed and actions(plan) == {2: "create", 3: "create"}
    six_a = SchoolClass.objects.get(academic_year=world.year, grade=6, letter="А")
    assert six_a.class_teacher == world.colleague
    assert six_a in classes_led_by(user=world.colleague)
    assert SchoolClass.objects.get(academic_year=world.year, grade=1, letter="Б").class_teacher is None


def test_classes_import_moves_the_class_teacher_with_the_permission(world):
    plan = commit(world, ImportKind.CLASSES, CLASSES_HEADER, "5;А;colleague", "5;Б;")

    assert actions(plan) == {2: RowAction.UPDATE, 3: RowAction.UNCHANGED}
    assert world.class_a in classes_led_by(user=world.colleague)
    assert world.class_a not in classes_led_by(user=world.ct_a)
    assert world.class_b in classes_led_by(user=world.ct_b)  # an empty cell keeps the class teacher


def test_classes_latin_lookalike_letter_is_read_as_cyrillic(world):
    plan = commit(world, ImportKind.CLASSES, CLASSES_HEADER, "5;A;ct_a")  # Latin A

    assert actions(plan) == {2: RowAction.UNCHANGED}


def test_classes_bad_rows_are_reported_and_nothing_is_written(world):
    before = counts()

    plan = commit(
        world,
        ImportKind.CLASSES,
        CLASSES_HEADER,
        "0;А;",
        "12;А;",
        "седьмой;А;",
        "7;Q;",
        "7;В;nobody",
        "7;Г;director",
        "8;А;",
        "8;а;",
    )

    assert error_codes(plan) == {
        2: ["invalid_grade"],
        3: ["invalid_grade"],
        4: ["invalid_grade"],
        5: ["invalid_letter"],
        6: ["unknown_login"],
        7: ["not_a_teacher"],  # refused by school_class_set_teacher, after the class was made
        9: ["duplicate_row"],
    }
    assert "There is no account with the login «nobody»." in plan.rows[4].errors[0].message
    assert counts() == before
    assert not SchoolClass.objects.filter(grade__in=[7, 8]).exists()


def test_classes_need_a_current_year(world):
    world.year.is_current = False
    world.year.save(update_fields=["is_current"])

    with pytest.raises(DomainError) as refused:
        preview(ImportKind.CLASSES, CLASSES_HEADER, "6;А;")

    assert refused.value.code == "no_current_year"


# --- Students with parents ---------------------------------------------------------------------------


def test_students_import_creates_student_enrolment_and_parent_who_sees_the_child(world):
    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line(
            "Иванов", "Пётр", "Сергеевич", "01.02.2015", "м", "5А", "",
            "Иванова Анна Петровна", "мать", "", "",
            "Иванов Сергей Олегович", "отец", "ivanov@example.org", "",
        ),
    )  # fmt: skip

    assert plan.committed and actions(plan) == {2: RowAction.CREATE}
    student = Student.objects.get(last_name="Иванов", first_name="Пётр")
    assert (student.middle_name, student.birth_date, student.gender) == ("Сергеевич", date(2015, 2, 1), "m")
    enrolment = Enrolment.objects.get(student=student)
    assert enrolment.school_class == world.class_a and enrolment.end_date is None
    assert enrolment.start_date == max(world.year.start_date, min(timezone.localdate(), world.year.end_date))
    mother = User.objects.get(username="ivanova.ap")  # made from the name: no login, no e-mail given
    father = User.objects.get(email="ivanov@example.org")
    assert father.username == "ivanov.so"
    for parent, relation in ((mother, "mother"), (father, "father")):
        assert not parent.has_usable_password()
        assert list(children_of(user=parent)) == [student]
        assert Guardianship.objects.get(guardian=parent, student=student).relation == relation
    assert "ivanova.ap" in plan.rows[0].description


def test_students_siblings_share_a_parent_found_by_email_or_login(world):
    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line("Соколов", "Артём", "", "14.03.2016", "м", "5А", "", "Соколова Мария", "мать", "s@example.org"),
        student_line("Соколова", "Алиса", "", "02.11.2014", "ж", "5Б", "", "Соколова Мария", "мать", "s@example.org"),
        student_line("Волков", "Максим", "", "25.07.2015", "м", "5Б", "", "Волкова Ирина", "мать", "", "volkova"),
        student_line("Волкова", "Яна", "", "25.07.2016", "ж", "5А", "", "Волкова Ирина", "опекун", "", "volkova"),
    )  # fmt: skip

    assert plan.committed and set(actions(plan).values()) == {RowAction.CREATE}
    sokolova = User.objects.get(email="s@example.org")
    assert sorted(s.first_name for s in children_of(user=sokolova)) == ["Алиса", "Артём"]
    volkova = User.objects.get(username="volkova")
    assert sorted(s.first_name for s in children_of(user=volkova)) == ["Максим", "Яна"]
    assert set(Guardianship.objects.filter(guardian=volkova).values_list("relation", flat=True)) == {
        "mother",
        "guardian",
    }


def test_students_existing_parent_is_linked_by_login_and_sees_the_new_child(world):
    parent = world.parent_a
    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line(
            "Аннин", "Глеб", "", "01.09.2016", "м", "5А", "", parent.full_name, "мать", "", "parent_a"
        ),
    )

    assert actions(plan) == {2: RowAction.CREATE}
    assert "Глеб" in [s.first_name for s in children_of(user=parent)]


def test_students_generated_login_is_unique_and_a_namesake_is_warned_about(world):
    User.objects.create(username="ivanova.ap", last_name="Иванова", first_name="Алла", middle_name="Павловна")

    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line("Иванов", "Пётр", "", "01.02.2015", "м", "5А", "", "Иванова Анна Петровна", "мать"),
        student_line("Иванова", "Ольга", "", "01.02.2016", "ж", "5А", "", "Иванова Анна Петровна", "мать"),
    )

    assert actions(plan) == {2: RowAction.CREATE, 3: RowAction.CREATE}
    assert User.objects.filter(username__in=["ivanova.ap2", "ivanova.ap3"]).count() == 2
    # Two children, no login or e-mail: namesakes are never merged, but the admin is told.
    assert plan.rows[0].warnings == []
    assert "ivanova.ap2" in plan.rows[1].warnings[0]


def test_students_known_student_in_another_class_is_transferred(world):
    boris = world.boris
    on = world.year.start_date + timedelta(days=30)

    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line(
            boris.last_name,
            boris.first_name,
            boris.middle_name,
            "01.03.2015",
            "м",
            "5Б",
            on.strftime("%d.%m.%Y"),
        ),
    )

    assert actions(plan) == {2: RowAction.UPDATE}
    old, new = Enrolment.objects.filter(student=boris).order_by("start_date")
    assert (old.school_class, old.end_date, old.leave_reason) == (
        world.class_a,
        on - timedelta(days=1),
        "transfer_class",
    )
    assert (new.school_class, new.start_date, new.end_date) == (world.class_b, on, None)


def test_students_bad_rows_are_reported_and_nothing_is_written(world):
    before = snapshot()
    parent = world.parent_a

    plan = commit(
        world,
        ImportKind.STUDENTS,
        STUDENTS_HEADER,
        student_line("Иванов", "Пётр", "", "31.02.2015", "м", "5А"),
        student_line("Петров", "Иван", "", "01.02.2015", "м", "7Я"),
        student_line("Сидоров", "Олег", "", "01.02.2015", "x", "5А", "", "Сидорова Анна", "тётя"),
        student_line("Кузнецов", "Ян", "", "01.02.2015", "м", "5А"),
        student_line("кузнецов", "ян", "", "01.02.2015", "м", "5Б"),
        student_line(
            "Орлов", "Лев", "", "01.02.2015", "м", "5А", "", "Другая Мария", "мать", "", parent.username
        ),
        student_line("Будущий", "Лев", "", "01.02.2099", "м", "5А"),
        student_line("Ранний", "Лев", "", "01.02.2015", "м", "5А", "01.01.2000"),
        student_line("", "Без", "", "", "м", "5А"),
    )

    assert not plan.committed
    assert error_codes(plan) == {
        2: ["invalid_date"],
        3: ["unknown_class"],
        4: ["invalid_gender", "invalid_relation"],
        6: ["duplicate_row"],
        7: ["other_person"],
        8: ["invalid_birth_date"],
        9: ["date_outside_year"],
        10: ["required", "required"],
    }
    assert actions(plan)[5] == RowAction.CREATE
    assert "«31.02.2015» is not a date" in plan.rows[0].errors[0].message
    assert "There is no class 7Я" in plan.rows[1].errors[0].message
    assert snapshot() == before


# --- Teaching load ------------------------------------------------------------------------------------


def test_load_import_creates_subject_line_subgroups_and_assignments(world):
    plan = commit(
        world,
        ImportKind.TEACHING_LOAD,
        LOAD_HEADER,
        "5Б;Русский язык;colleague;;4;",
        "5А;Английский язык;teacher;Группа 1;3;да",
        "5А;английский язык;colleague;Группа 2;3;",  # relies on the subject made by the row above
        "5А;Математика;teacher;;;",
    )

    assert plan.committed
    assert actions(plan) == {2: "create", 3: "create", 4: "create", 5: "unchanged"}
    russian_b = ClassSubject.objects.get(school_class=world.class_b, subject__name="Русский язык")
    assert russian_b.hours_per_week == Decimal("4.0") and russian_b.scale == AssessmentScale.FIVE_POINT
    english = Subject.objects.get(name="Английский язык")
    assert {g.name for g in Subgroup.objects.filter(school_class=world.class_a)} == {"Группа 1", "Группа 2"}
    assert TeachingAssignment.objects.filter(class_subject__subject=english).count() == 2
    assert world.class_b in classes_visible_to(user=world.colleague)


def test_load_hours_change_keeps_a_scale_chosen_by_hand(world):
    ClassSubject.objects.filter(pk=world.math_a.pk).update(scale=AssessmentScale.PASS_FAIL)

    plan = commit(world, ImportKind.TEACHING_LOAD, LOAD_HEADER, "5А;Математика;teacher;;5;")

    assert actions(plan) == {2: RowAction.UPDATE}
    world.math_a.refresh_from_db()
    assert (world.math_a.hours_per_week, world.math_a.scale) == (Decimal("5.0"), AssessmentScale.PASS_FAIL)


def test_load_bad_rows_are_reported_and_nothing_is_written(world):
    before = snapshot()

    plan = commit(
        world,
        ImportKind.TEACHING_LOAD,
        LOAD_HEADER,
        "5А;Астрономия;teacher;;;",
        "5А;Математика;nobody;;;",
        "5А;Математика;director;Группа 1;;",
        "5А;Математика;teacher;;0;",
        "5А;Русский язык;colleague;;3;",
        "5А;Русский язык;teacher;;2;",
        "5А;Русский язык;colleague;;3;",
        "5А;Химия;teacher;;;может быть",
    )

    assert error_codes(plan) == {
        2: ["unknown_subject"],
        3: ["unknown_login"],
        4: ["not_a_teacher"],
        5: ["invalid_hours"],
        7: ["hours_conflict"],
        8: ["duplicate_row"],
        9: ["invalid_flag", "unknown_subject"],
    }
    assert "Row 6 gives this subject of the class 3 hours a week." in plan.rows[5].errors[0].message
    assert snapshot() == before


# --- Re-import, preview and all-or-nothing --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_samples_import_cleanly_in_order_and_a_second_import_changes_nothing(world, fmt):
    order = [ImportKind.STAFF, ImportKind.CLASSES, ImportKind.STUDENTS, ImportKind.TEACHING_LOAD]

    def run_all():
        plans = []
        for kind in order:
            path = SAMPLES / f"{kind}.{fmt}"
            plans.append(
                import_commit(
                    kind=kind, file=SimpleUploadedFile(path.name, path.read_bytes()), user=world.admin
                )
            )
        return plans

    first = run_all()
    after_first = snapshot()
    second = run_all()

    assert [p.has_errors for p in first] == [False] * 4, [error_codes(p) for p in first]
    assert all(p.committed and p.ignored_columns == [] for p in first)
    assert {r.action for p in first for r in p.rows} <= {RowAction.CREATE}
    assert {r.action for p in second for r in p.rows} == {RowAction.UNCHANGED}
    assert snapshot() == after_first
    # a father with neither login nor e-mail is found again among the child's guardians
    assert User.objects.filter(last_name="Соколов", first_name="Денис").count() == 1


def test_preview_writes_nothing_and_agrees_with_commit(world):
    lines = (
        LOAD_HEADER,
        "5А;Английский язык;teacher;Группа 1;3;да",
        "5А;Английский язык;colleague;Группа 2;3;",  # depends on the row above
    )
    before = snapshot()

    previewed = preview(ImportKind.TEACHING_LOAD, *lines)

    assert snapshot() == before
    assert actions(previewed) == {2: RowAction.CREATE, 3: RowAction.CREATE}
    committed = commit(world, ImportKind.TEACHING_LOAD, *lines)
    assert [(r.row_number, r.action, r.description) for r in committed.rows] == [
        (r.row_number, r.action, r.description) for r in previewed.rows
    ]


# --- Reading files --------------------------------------------------------------------------------------


def test_csv_with_semicolons_and_bom_is_read(world):
    file = SimpleUploadedFile(
        "staff.csv", ("\ufeff" + STAFF_HEADER + "\r\nОрлова;Ия;;orlova;;учитель").encode()
    )

    plan = import_preview(kind=ImportKind.STAFF, file=file)

    assert actions(plan) == {2: RowAction.CREATE}


def test_csv_with_commas_english_headers_and_windows_1251_is_read(world):
    text = '  last NAME ,First name,LOGIN,Roles,Notes\r\nOrlova,Iya,orlova,"teacher, deputy",anything'
    file = SimpleUploadedFile("staff.csv", text.encode("cp1251"))

    plan = import_preview(kind=ImportKind.STAFF, file=file)

    assert actions(plan) == {2: RowAction.CREATE}
    assert plan.ignored_columns == ["Notes"]


def xlsx_file(*rows) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    content = io.BytesIO()
    book.save(content)
    return SimpleUploadedFile("students.xlsx", content.getvalue())


XLSX_STUDENT_HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс"]


def test_xlsx_with_real_date_cells_is_read(world):
    file = xlsx_file(
        XLSX_STUDENT_HEADER,
        ["Орлов", "Лев", None, date(2015, 4, 5), "М", "5А"],
        [],
        ["Орлова", "Ия", None, "06.05.2016", "ж", "5Б"],
        ["Орлов", "Ян", None, 42000, "м", "5Б"],  # a date typed into a plain number cell
    )

    plan = import_commit(kind=ImportKind.STUDENTS, file=file, user=world.admin)

    assert actions(plan) == {2: "create", 4: "create", 5: "create"}  # the empty row 3 keeps its number
    born = dict(Student.objects.filter(last_name__startswith="Орлов").values_list("first_name", "birth_date"))
    assert born == {"Лев": date(2015, 4, 5), "Ия": date(2016, 5, 6), "Ян": date(2014, 12, 27)}


def test_xlsx_number_that_is_not_a_plausible_date_is_a_row_error(world):
    file = xlsx_file(XLSX_STUDENT_HEADER, ["Орлов", "Ник", None, 2015, "м", "5Б"])  # a year, not a date

    plan = import_preview(kind=ImportKind.STUDENTS, file=file)

    assert error_codes(plan) == {2: ["invalid_date"]}


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


@pytest.mark.parametrize("name", ["staff.xlsx", "staff.csv"])
def test_a_picture_renamed_to_a_spreadsheet_is_refused(world, name):
    with pytest.raises(DomainError) as refused:
        import_preview(kind=ImportKind.STAFF, file=SimpleUploadedFile(name, PNG))

    assert refused.value.code == "not_a_spreadsheet"
    assert "not an XLSX workbook or a CSV table" in str(refused.value.message)


@pytest.mark.parametrize("member", ["hello.txt", "[Content_Types].xml"])
def test_a_zip_that_is_not_a_workbook_is_refused(world, member):
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr(member, "<not-a-workbook/>")

    with pytest.raises(DomainError) as refused:
        import_preview(kind=ImportKind.STAFF, file=SimpleUploadedFile("staff.xlsx", content.getvalue()))

    assert refused.value.code == "not_a_spreadsheet"


def test_missing_columns_are_named(world):
    with pytest.raises(DomainError) as refused:
        preview(ImportKind.STUDENTS, STAFF_HEADER, "Орлова;Ия;;orlova;;учитель")

    assert refused.value.code == "missing_columns"
    assert refused.value.details["columns"] == ["Дата рождения", "Пол", "Класс"]


def test_a_file_over_5_mb_is_refused(world):
    big = SimpleUploadedFile("staff.csv", STAFF_HEADER.encode() + b"\r\n" + b"x" * (5 * 1024 * 1024))

    with pytest.raises(DomainError) as refused:
        import_preview(kind=ImportKind.STAFF, file=big)

    assert refused.value.code == "file_too_large"


def test_too_many_rows_are_refused_but_trailing_empty_rows_do_not_count(world, monkeypatch):
    monkeypatch.setattr("gradebook.imports.files.MAX_ROWS", 2)
    rows = ["Орлова;Ия;;orlova;;учитель", "Орлов;Ян;;orlov;;учитель"]

    assert len(preview(ImportKind.STAFF, STAFF_HEADER, *rows, ";;;;;", "", ";;;;;").rows) == 2
    with pytest.raises(DomainError) as refused:
        preview(ImportKind.STAFF, STAFF_HEADER, *rows, "Орлов;Лев;;orlovl;;учитель")

    assert refused.value.code == "too_many_rows"


# --- Pages -----------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def security_log(caplog):
    logger = logging.getLogger("security")  # does not propagate to the root logger caplog listens on
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture
def client_for(client_for):
    """The shared fixture, with pages asked for in English (LocaleMiddleware reads Accept-Language)."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def upload(client, kind, *lines, name="import.csv"):
    file = csv_file(*lines, name=name)
    return client.post(reverse("import_upload"), {"kind": kind, "file": file})


def test_admin_uploads_previews_and_commits(world, client_for, media, security_log):
    client = client_for(world.admin)
    response = upload(client, "classes", CLASSES_HEADER, "6;А;colleague", "5;А;ct_a")
    assert response.status_code == 302 and response["Location"] == reverse("import_preview")
    stored = list((media / "imports").iterdir())
    assert len(stored) == 1

    page = client.get(reverse("import_preview"))
    assert page.status_code == 200
    assert not SchoolClass.objects.filter(grade=6).exists()
    html = page.content.decode()
    assert 'class="row-create"' in html and 'id="import-confirm"' in html
    assert page.context["plan"].counts == {"create": 1, "update": 0, "unchanged": 1, "error": 0}

    done = client.post(reverse("import_commit"), {"token": page.context["token"]}, follow=True)

    assert done.redirect_chain[-1][0] == reverse("import_upload")
    assert SchoolClass.objects.get(grade=6, letter="А").class_teacher == world.colleague
    assert "1 created, 0 updated, 1 unchanged" in done.content.decode()
    assert list((media / "imports").iterdir()) == []
    events = [json.loads(r.getMessage()) for r in security_log.records if r.name == "security"]
    assert {"action": "import.classes", "object": "import.csv", "outcome": "ok"}.items() <= events[-1].items()


def test_preview_with_errors_has_no_confirm_button_and_commit_is_refused(world, client_for, media):
    client = client_for(world.admin)
    upload(client, "classes", CLASSES_HEADER, "6;А;nobody")

    page = client.get(reverse("import_preview"))
    html = page.content.decode()
    assert 'class="row-error"' in html and 'id="import-confirm"' not in html
    assert "There is no account with the login «nobody»." in html

    client.post(reverse("import_commit"), {"token": page.context["token"]})
    assert not SchoolClass.objects.filter(grade=6).exists()


def test_commit_with_a_stale_token_writes_nothing(world, client_for, media):
    client = client_for(world.admin)
    upload(client, "classes", CLASSES_HEADER, "6;А;colleague")

    response = client.post(reverse("import_commit"), {"token": "from-another-tab"}, follow=True)

    assert "no longer waiting" in response.content.decode()
    assert not SchoolClass.objects.filter(grade=6).exists()


def test_not_a_spreadsheet_is_sent_back_with_a_clear_message(world, client_for, media):
    client = client_for(world.admin)
    client.post(reverse("import_upload"), {"kind": "staff", "file": SimpleUploadedFile("photo.xlsx", PNG)})

    response = client.get(reverse("import_preview"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("import_upload")
    assert "not an XLSX workbook or a CSV table" in response.content.decode()
    assert list((media / "imports").iterdir()) == []


def test_upload_over_5_mb_is_refused_on_the_form(world, client_for, media):
    big = SimpleUploadedFile("big.csv", b"x" * (5 * 1024 * 1024 + 1))

    response = client_for(world.admin).post(reverse("import_upload"), {"kind": "staff", "file": big})

    assert response.status_code == 200
    assert "the limit is 5 MB" in response.content.decode()
    assert not (media / "imports").exists()


@pytest.mark.parametrize("persona", ["deputy", "director", "owner", "own_parent"])
def test_only_the_admin_may_import(world, client_for, media, persona):
    client = client_for(world.user(persona))

    response = upload(client, "classes", CLASSES_HEADER, "6;А;colleague")

    assert response.status_code == 404
    assert not (media / "imports").exists()
    with pytest.raises(DomainError):
        import_commit(kind="classes", file=csv_file(CLASSES_HEADER, "6;А;"), user=world.user(persona))


def test_upload_page_documents_columns_and_samples_download(world, client_for):
    client = client_for(world.admin)

    html = client.get(reverse("import_upload")).content.decode()

    assert "Родитель 1 ФИО" in html and "Создать предмет" in html
    for kind in ImportKind.values:
        for fmt in ("csv", "xlsx"):
            url = reverse("import_sample", args=[kind, fmt])
            assert url in html
            response = client.get(url)
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == (SAMPLES / f"{kind}.{fmt}").read_bytes()
    assert client.get(reverse("import_sample", args=["secrets", "csv"])).status_code == 404
