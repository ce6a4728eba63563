"""State exam results (ГИА): the rules of the service, the import kind, the pages and the summary."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.errors import DomainError
from accounts.services import guardianship_create
from gradebook.exam_selectors import exam_report, student_state_exams
from gradebook.exam_services import state_exam_result_delete, state_exam_result_set
from gradebook.imports import ImportKind, RowAction, import_commit, import_preview
from gradebook.models import SchoolClass, StateExamResult, Subject
from gradebook.services import enrolment_create, enrolment_transfer, school_class_create
from tests.factories import StudentFactory

SAMPLES = Path(settings.BASE_DIR) / "docs" / "import-samples"
HEADER = "Фамилия;Имя;Отчество;Дата рождения;Класс;Экзамен;Предмет;Дата экзамена;Первичный балл;Тестовый балл;Отметка"


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted by their English msgids, whatever the Russian catalog says."""
    with translation.override("en"):
        yield


@dataclass
class Exams:
    """9А (class teacher ct_a) with nina, oleg and pavel; 11А (class teacher ct_b) with rita."""

    ninth: SchoolClass
    eleventh: SchoolClass
    nina: object
    oleg: object
    pavel: object
    rita: object
    math: Subject
    russian: Subject
    day: date  # a day of the main period of the current year's exams


def _student(school_class, last_name, first_name, born, year):
    student = StudentFactory(last_name=last_name, first_name=first_name, middle_name="", birth_date=born)
    enrolment_create(student=student, school_class=school_class, start_date=year.start_date)
    return student


@pytest.fixture
def exams(world) -> Exams:
    year = world.year
    ninth = school_class_create(academic_year=year, grade=9, letter="А", class_teacher=world.ct_a)
    eleventh = school_class_create(academic_year=year, grade=11, letter="А", class_teacher=world.ct_b)
    return Exams(
        ninth=ninth,
        eleventh=eleventh,
        nina=_student(ninth, "Нинова", "Нина", date(2011, 2, 17), year),
        oleg=_student(ninth, "Олегов", "Олег", date(2011, 5, 3), year),
        pavel=_student(ninth, "Павлов", "Павел", date(2010, 10, 3), year),
        rita=_student(eleventh, "Ритова", "Рита", date(2009, 1, 12), year),
        math=Subject.objects.get(name="Математика"),
        russian=Subject.objects.get(name="Русский язык"),
        day=date(year.end_date.year, 6, 2),
    )


def rows() -> list[tuple]:
    return list(StateExamResult.objects.order_by("pk").values_list())


def oge(world, exams, student=None, **overrides) -> StateExamResult:
    values = {
        "user": world.deputy,
        "student": student or exams.nina,
        "subject": exams.math,
        "kind": "oge",
        "exam_date": exams.day,
        "primary_score": 20,
        "mark": 4,
    } | overrides
    return state_exam_result_set(**values)


# --- The service --------------------------------------------------------------------------------------


def test_oge_result_of_a_ninth_grader_is_recorded_with_who_entered_it(world, exams):
    result = oge(world, exams)

    result.refresh_from_db()
    assert (result.kind, result.primary_score, result.test_score, result.mark) == ("oge", 20, None, 4)
    assert result.created_by == world.deputy


def test_ege_needs_a_test_score_and_may_have_a_mark(world, exams):
    without_mark = state_exam_result_set(
        user=world.deputy,
        student=exams.rita,
        subject=exams.russian,
        kind="ege",
        exam_date=exams.day,
        primary_score=42,
        test_score=80,
    )
    with_mark = state_exam_result_set(
        user=world.deputy,
        student=exams.rita,
        subject=exams.math,
        kind="ege",
        exam_date=exams.day,
        primary_score=15,
        test_score=0,
        mark=5,
    )

    assert (without_mark.test_score, without_mark.mark) == (80, None)
    assert (with_mark.test_score, with_mark.mark) == (0, 5)


@pytest.mark.parametrize("who", ["nina", "rita"])
def test_gve_is_allowed_in_grades_9_and_11(world, exams, who):
    result = oge(world, exams, student=getattr(exams, who), kind="gve", primary_score=9, mark=3)

    assert StateExamResult.objects.get(pk=result.pk).kind == "gve"


def test_exam_late_in_august_belongs_to_the_year(world, exams):
    result = oge(world, exams, exam_date=date(world.year.end_date.year, 8, 31))

    assert result.pk is not None


def test_setting_the_same_result_again_writes_nothing_and_a_new_score_updates_it(world, exams):
    first = oge(world, exams)
    before = rows()

    again = oge(world, exams, user=world.director)

    assert again.pk == first.pk and rows() == before  # not even «entered by»
    changed = oge(world, exams, user=world.director, primary_score=22, mark=5)
    assert changed.pk == first.pk and StateExamResult.objects.count() == 1
    changed.refresh_from_db()
    assert (changed.primary_score, changed.mark, changed.created_by) == (22, 5, world.director)


def test_delete_removes_the_result(world, exams):
    result = oge(world, exams)

    state_exam_result_delete(user=world.deputy, result=result)

    assert not StateExamResult.objects.exists()


REFUSALS = [
    ("oge_in_grade_11", {"student": "rita"}, "wrong_grade"),
    ("ege_in_grade_9", {"kind": "ege", "test_score": 70, "mark": None}, "wrong_grade"),
    ("gve_in_grade_5", {"student": "anna", "kind": "gve"}, "wrong_grade"),
    ("oge_without_mark", {"mark": None}, "mark_required"),
    ("oge_with_test_score", {"test_score": 60}, "test_score_not_allowed"),
    ("gve_with_test_score", {"kind": "gve", "test_score": 60}, "test_score_not_allowed"),
    ("ege_without_test_score", {"student": "rita", "kind": "ege", "mark": None}, "test_score_required"),
    ("ege_test_score_above_100", {"student": "rita", "kind": "ege", "test_score": 101}, "invalid_test_score"),
    ("negative_primary_score", {"primary_score": -1}, "invalid_primary_score"),
    ("primary_score_above_100", {"primary_score": 101}, "invalid_primary_score"),
    ("primary_score_not_whole", {"primary_score": 1.5}, "invalid_primary_score"),
    ("mark_6", {"mark": 6}, "invalid_mark"),
    ("mark_1", {"mark": 1}, "invalid_mark"),
    ("unknown_exam", {"kind": "vpr"}, "unknown_exam"),
    ("date_before_the_year", {"exam_date": "before"}, "date_outside_year"),
    ("date_after_the_summer", {"exam_date": "after"}, "date_outside_year"),
]


@pytest.mark.parametrize(("overrides", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refused_result_changes_nothing(world, exams, overrides, code):
    existing = oge(world, exams)  # the same key as most refusals: it must survive them untouched
    before = rows()
    dates = {
        "before": world.year.start_date - timedelta(days=1),
        "after": date(world.year.end_date.year, 9, 1),
    }
    overrides = dict(overrides)
    if "student" in overrides:
        who = overrides["student"]
        overrides["student"] = world.anna if who == "anna" else getattr(exams, who)
    if "exam_date" in overrides:
        overrides["exam_date"] = dates[overrides["exam_date"]]

    with pytest.raises(DomainError) as refused:
        oge(world, exams, user=world.director, **overrides)

    assert refused.value.code == code
    assert str(refused.value.message)
    assert rows() == before
    existing.refresh_from_db()
    assert existing.created_by == world.deputy


def test_a_student_who_was_in_grade_9_this_year_may_sit_oge_after_leaving_the_class(world, exams):
    enrolment_transfer(
        student=exams.oleg, to_class=world.class_b, on_date=world.year.start_date + timedelta(1)
    )

    assert oge(world, exams, student=exams.oleg).pk


# --- The summary ----------------------------------------------------------------------------------------


def test_summary_of_three_oge_maths_results_is_computed_by_hand(world, exams):
    for student, primary, mark in ((exams.nina, 20, 5), (exams.oleg, 15, 4), (exams.pavel, 10, 3)):
        oge(world, exams, student=student, primary_score=primary, mark=mark)
    oge(world, exams, subject=exams.russian, primary_score=30, mark=5)

    report = exam_report(year=world.year, kind="oge", subject=exams.math)

    [maths] = report.summaries
    assert (maths.kind, maths.subject, maths.count) == ("oge", exams.math, 3)
    assert maths.mean_mark == Decimal("4.00")
    assert maths.mean_primary == Decimal("15.00")
    assert maths.mean_test is None
    assert maths.marks == ((5, 1), (4, 1), (3, 1), (2, 0))
    assert [r.result.student for r in report.rows] == [exams.nina, exams.oleg, exams.pavel]
    assert {r.school_class for r in report.rows} == {exams.ninth}


def test_ege_mean_test_score_is_rounded_half_up_to_two_decimals(world, exams):
    other = _student(exams.eleventh, "Сергеев", "Сергей", date(2009, 3, 3), world.year)
    third = _student(exams.eleventh, "Тимофеев", "Тимофей", date(2009, 4, 4), world.year)
    for student, test in ((exams.rita, 70), (other, 71), (third, 71)):
        oge(world, exams, student=student, kind="ege", test_score=test, mark=None, primary_score=10)

    [summary] = exam_report(year=world.year).summaries

    assert summary.mean_test == Decimal("70.67")  # 212 / 3 = 70.666…
    assert summary.mean_mark is None and summary.marks == ((5, 0), (4, 0), (3, 0), (2, 0))


def test_report_filtered_by_class_and_its_queries_do_not_grow(world, exams, django_assert_max_num_queries):
    oge(world, exams)
    oge(world, exams, student=exams.rita, kind="ege", test_score=70, mark=None)
    for n in range(10):
        student = _student(exams.ninth, f"Ученик{n}", "Иван", date(2011, 1, 1 + n), world.year)
        oge(world, exams, student=student)

    with django_assert_max_num_queries(2):
        report = exam_report(year=world.year, school_class=exams.eleventh)
        [row.result.student.full_name for row in report.rows]

    assert [r.result.student for r in report.rows] == [exams.rita]


# --- The import ---------------------------------------------------------------------------------------------


def csv_file(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("exams.csv", "\r\n".join(lines).encode("utf-8-sig"), content_type="text/csv")


def commit(world, *lines):
    return import_commit(kind=ImportKind.STATE_EXAMS, file=csv_file(*lines), user=world.admin)


def good_lines(exams) -> list[str]:
    day = exams.day.strftime("%d.%m.%Y")
    return [
        HEADER,
        f"Нинова;Нина;;17.02.2011;9А;ОГЭ;Математика;{day};20;;4",
        f"Олегов;Олег;;03.05.2011;9а;огэ;математика;{day};15;;3",
        f"Павлов;Павел;;03.10.2010;9А;ГВЭ;Математика;{day};9;;3",
        f"Ритова;Рита;;12.01.2009;11А;ЕГЭ;Русский язык;{day};42;80;",
    ]


def actions(plan) -> dict[int, str]:
    return {r.row_number: r.action for r in plan.rows}


def error_codes(plan) -> dict[int, list[str]]:
    return {r.row_number: [e.code for e in r.errors] for r in plan.rows if r.errors}


def test_import_records_results_and_a_second_import_changes_nothing(world, exams):
    plan = commit(world, *good_lines(exams))

    assert plan.committed and actions(plan) == dict.fromkeys([2, 3, 4, 5], RowAction.CREATE)
    rita = StateExamResult.objects.get(student=exams.rita)
    assert (rita.kind, rita.subject, rita.primary_score, rita.test_score, rita.mark) == (
        "ege",
        exams.russian,
        42,
        80,
        None,
    )
    assert set(StateExamResult.objects.values_list("created_by", flat=True)) == {world.admin.pk}
    assert "Нинова Нина, 9А: ОГЭ, Математика" in plan.rows[0].description
    before = rows()

    again = commit(world, *good_lines(exams))

    assert again.committed and set(actions(again).values()) == {RowAction.UNCHANGED}
    assert rows() == before


def test_import_with_a_changed_score_updates_the_result(world, exams):
    commit(world, *good_lines(exams))
    lines = good_lines(exams)
    lines[1] = lines[1].replace(";20;;4", ";23;;5")

    plan = commit(world, *lines)

    assert actions(plan) == {2: "update", 3: "unchanged", 4: "unchanged", 5: "unchanged"}
    assert "was: primary score 20, mark 4" in plan.rows[0].description
    assert StateExamResult.objects.get(student=exams.nina).mark == 5


def test_import_bad_rows_are_reported_with_row_numbers_and_nothing_is_written(world, exams):
    day = exams.day.strftime("%d.%m.%Y")
    before = rows()

    plan = commit(
        world,
        HEADER,
        f"Нинова;Нина;;17.02.2011;9А;ОГЭ;Математика;{day};20;;4",
        f"Никтова;Ника;;01.01.2011;9А;ОГЭ;Математика;{day};20;;4",
        f"Ритова;Рита;;12.01.2009;9А;ОГЭ;Математика;{day};20;;4",
        f"Олегов;Олег;;03.05.2011;9А;ВПР;Астрономия;{day};двадцать;;4",
        f"Олегов;Олег;;03.05.2011;9А;ОГЭ;Математика;{day};20;55;4",
        f"Ритова;Рита;;12.01.2009;11А;ОГЭ;Русский язык;{day};20;;4",
        "",
        f"Нинова;Нина;;17.02.2011;9А;ОГЭ;Математика;{day};21;;5",
        "Павлов;Павел;;03.10.2010;9А;ОГЭ;Математика;;;;",
    )

    assert not plan.committed
    assert error_codes(plan) == {
        3: ["unknown_student"],
        4: ["not_in_class"],
        5: ["unknown_exam", "unknown_subject", "invalid_score"],
        6: ["test_score_not_allowed"],
        7: ["wrong_grade"],
        9: ["duplicate_row"],
        10: ["required", "required"],
    }
    assert actions(plan)[2] == RowAction.CREATE  # fine on its own, but not saved with the others
    messages = {r.row_number: [e.message for e in r.errors] for r in plan.rows}
    assert "Ритова Рита, born 12.01.2009, is not in class 9А." in messages[4]
    assert "ОГЭ is taken in grade 9, and Ритова Рита was not in grade 9" in messages[7][0]
    assert "«Первичный балл» must be a whole number" in messages[5][2]
    assert "repeats row 2" in messages[9][0]
    assert rows() == before


def test_import_accepts_english_headers(world, exams):
    day = exams.day.isoformat()
    plan = commit(
        world,
        "Last name,First name,Date of birth,Class,Exam,Subject,Exam date,Primary score,Test score,Mark",
        f"Нинова,Нина,17.02.2011,9А,OGE,Математика,{day},20,,4",
    )

    assert plan.committed and actions(plan) == {2: RowAction.CREATE}


def test_preview_writes_nothing_and_needs_the_user(world, exams):
    plan = import_preview(kind=ImportKind.STATE_EXAMS, file=csv_file(*good_lines(exams)), user=world.admin)

    assert set(actions(plan).values()) == {RowAction.CREATE}
    assert not StateExamResult.objects.exists()
    with pytest.raises(ValueError):
        import_preview(kind=ImportKind.STATE_EXAMS, file=csv_file(*good_lines(exams)))


def _with_exam_year(path: Path, year: int) -> bytes:
    """The sample, its exam dates moved to the current academic year (the samples are dated 2027)."""
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8-sig").replace(".2027;", f".{year};").encode("utf-8-sig")
    book = load_workbook(path)
    for row in book.active.iter_rows(min_row=2):
        cell = row[7]
        cell.value = cell.value.replace(year=year)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sample_imports_cleanly_after_the_other_samples(world, fmt):
    for kind in (ImportKind.STAFF, ImportKind.CLASSES, ImportKind.STUDENTS):
        path = SAMPLES / f"{kind}.{fmt}"
        done = import_commit(
            kind=kind, file=SimpleUploadedFile(path.name, path.read_bytes()), user=world.admin
        )
        assert done.committed, error_codes(done)
    path = SAMPLES / f"state_exams.{fmt}"

    def run():
        content = _with_exam_year(path, world.year.end_date.year)
        return import_commit(
            kind=ImportKind.STATE_EXAMS, file=SimpleUploadedFile(path.name, content), user=world.admin
        )

    first, second = run(), run()

    assert first.committed and first.ignored_columns == [], error_codes(first)
    assert set(actions(first).values()) == {RowAction.CREATE} and len(first.rows) == 5
    assert set(actions(second).values()) == {RowAction.UNCHANGED}
    assert StateExamResult.objects.count() == 5


def test_upload_page_documents_the_state_exams_kind(world, client_for):
    client = client_for(world.admin)

    html = client.get(
        reverse("import_upload") + "?kind=state_exams", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'id="kind-state_exams"' in html and "Дата экзамена" in html and "Первичный балл" in html
    assert '<option value="state_exams" selected>' in html


# --- Pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def client_for(client_for):
    """The shared fixture, with pages asked for in English (LocaleMiddleware reads Accept-Language)."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def test_deputy_adds_corrects_and_deletes_a_result(world, exams, client_for):
    client = client_for(world.deputy)
    page = client.get(reverse("exams"))
    assert page.status_code == 200
    offered = {value for value, _label in page.context["form"].fields["student"].choices if value}
    assert offered == {exams.nina.pk, exams.oleg.pk, exams.pavel.pk, exams.rita.pk}  # grades 9 and 11 only

    added = client.post(
        reverse("exams"),
        {
            "student": exams.nina.pk,
            "kind": "oge",
            "subject": exams.math.pk,
            "exam_date": exams.day.isoformat(),
            "primary_score": "20",
            "mark": "4",
        },
    )
    assert added.status_code == 302
    result = StateExamResult.objects.get()
    assert (result.student, result.primary_score, result.mark, result.created_by) == (
        exams.nina,
        20,
        4,
        world.deputy,
    )

    edited = client.post(reverse("exam_result_edit", args=[result.pk]), {"primary_score": "25", "mark": "5"})
    assert edited.status_code == 302
    result.refresh_from_db()
    assert (result.primary_score, result.mark) == (25, 5)

    confirm = client.get(reverse("exam_result_delete", args=[result.pk]))
    assert confirm.status_code == 200 and 'id="exam-delete"' in confirm.content.decode()
    assert StateExamResult.objects.exists()
    deleted = client.post(reverse("exam_result_delete", args=[result.pk]))
    assert deleted.status_code == 302 and not StateExamResult.objects.exists()


def test_refused_result_on_the_page_shows_the_reason_and_saves_nothing(world, exams, client_for):
    response = client_for(world.director).post(
        reverse("exams"),
        {
            "student": exams.rita.pk,
            "kind": "oge",
            "subject": exams.math.pk,
            "exam_date": exams.day.isoformat(),
            "primary_score": "20",
            "mark": "4",
        },
    )

    assert response.status_code == 200
    assert "ОГЭ is taken in grade 9" in response.content.decode()
    assert not StateExamResult.objects.exists()


def test_exams_page_shows_the_summary_and_filters(world, exams, client_for):
    for student, primary, mark in ((exams.nina, 20, 5), (exams.oleg, 15, 4), (exams.pavel, 10, 3)):
        oge(world, exams, student=student, primary_score=primary, mark=mark)
    oge(world, exams, student=exams.rita, kind="ege", test_score=70, mark=None)
    client = client_for(world.deputy)

    html = client.get(reverse("exams")).content.decode()
    only_ege = client.get(reverse("exams"), {"kind": "ege"}).context["report"]
    only_11 = client.get(reverse("exams"), {"school_class": exams.eleventh.pk}).context["report"]

    assert "15.00" in html and "4.00" in html and "70.00" in html
    assert [r.result.student for r in only_ege.rows] == [exams.rita]
    assert [r.result.student for r in only_11.rows] == [exams.rita]


def test_exams_page_links_to_the_import_for_the_administrator(world, client_for):
    admin_html = client_for(world.admin).get(reverse("exams")).content.decode()
    deputy_html = client_for(world.deputy).get(reverse("exams")).content.decode()

    link = reverse("import_upload") + "?kind=state_exams"
    assert link in admin_html and link not in deputy_html


def test_class_teacher_reads_own_ninth_class_and_gets_404_elsewhere(world, exams, client_for):
    oge(world, exams)
    own = client_for(world.ct_a).get(reverse("class_exams", args=[exams.ninth.pk]))
    assert own.status_code == 200 and "Нинова Нина" in own.content.decode()
    assert "exam_result_edit" not in own.content.decode() and "/edit/" not in own.content.decode()

    other = client_for(world.ct_b).get(reverse("class_exams", args=[exams.ninth.pk]))
    fifth = client_for(world.ct_a).get(reverse("class_exams", args=[world.class_a.pk]))
    teacher = client_for(world.teacher).get(reverse("class_exams", args=[exams.ninth.pk]))

    assert (other.status_code, fifth.status_code, teacher.status_code) == (404, 404, 404)


def test_parent_sees_own_childs_results_on_the_record_and_not_another_childs(world, exams, client_for):
    guardianship_create(guardian=world.parent_a, student=exams.nina, relation="mother")
    oge(world, exams, primary_score=20, mark=4)
    oge(world, exams, student=exams.oleg, primary_score=11, mark=3)
    client = client_for(world.parent_a)

    own = client.get(reverse("student_detail", args=[exams.nina.pk]))
    sibling = client.get(reverse("student_detail", args=[world.anna.pk]))
    other = client.get(reverse("student_detail", args=[exams.oleg.pk]))

    html = own.content.decode()
    assert own.status_code == 200 and 'id="state-exams"' in html and "State exams" in html
    assert html.count("<tr><td>ОГЭ</td><td>Математика</td>") == 1  # Нина's, not Олег's
    assert 'id="state-exams"' not in sibling.content.decode()  # no results, no section
    assert other.status_code == 404


def test_student_state_exams_are_read_in_one_query(world, exams, django_assert_num_queries):
    oge(world, exams)
    oge(world, exams, subject=exams.russian, primary_score=30, mark=5)

    with django_assert_num_queries(1):
        results = student_state_exams(student=exams.nina)
        names = [r.subject.name for r in results]

    assert sorted(names) == ["Математика", "Русский язык"]
