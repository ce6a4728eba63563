"""Diagnostic works: the rules, the services' refusals (nothing written), the pages and the query counts.
The hand-built works and their arithmetic are in tests/gradebook/diagnostics_school.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.errors import DomainError
from gradebook.diagnostic_rules import (
    DEFAULT_READING_NORMS,
    ReadingLevel,
    Task,
    mark_for,
    reading_level,
    score_of,
)
from gradebook.diagnostic_selectors import results_grid
from gradebook.diagnostic_services import (
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
    diagnostic_work_update,
    reading_norms_ensure,
)
from gradebook.models import (
    DiagnosticResult,
    DiagnosticTask,
    DiagnosticTaskResult,
    DiagnosticWork,
    ReadingNorm,
    ReadingPeriod,
)
from gradebook.services import school_class_create
from tests.factories import StudentFactory
from tests.gradebook.diagnostics_school import build_diagnostics_school, day, enrol

D = Decimal


@pytest.fixture
def school(world):
    return build_diagnostics_school(world)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stored(work):
    """Everything a work's results hold, to prove a refusal changed nothing."""
    results = sorted(
        DiagnosticResult.objects.filter(work=work).values_list(
            "student_id", "absent", "words_per_minute", "mark", "updated_at"
        )
    )
    points = sorted(
        DiagnosticTaskResult.objects.filter(result__work=work).values_list("result_id", "task_id", "points")
    )
    return results, points


def refused(code, call):
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code, error.value.message
    return str(error.value.message)


# The rules -----------------------------------------------------------------------------------------------


def test_mark_thresholds_compare_exactly_not_on_the_rounded_percent():
    scale = (50, 70, 90)
    assert mark_for(6, 6, scale) == 5
    assert mark_for(54, 60, scale) == 5  # exactly 90 %
    assert mark_for(7, 10, scale) == 4  # exactly 70 %
    # 69.9995 % is shown as 70.00 % but is not yet 70 %: «3»
    assert mark_for(139_999, 200_000, scale) == 3
    assert score_of([Task(1, 200_000, 1)], [139_999], scale).percent == D("70.00")
    assert mark_for(3, 6, scale) == 3  # exactly 50 %
    assert mark_for(2, 6, scale) == 2
    assert mark_for(2, 6, None) is None


def test_reading_level_includes_both_ends_of_the_norm():
    assert reading_level(49, (50, 55)) == ReadingLevel.BELOW
    assert reading_level(50, (50, 55)) == ReadingLevel.AT
    assert reading_level(55, (50, 55)) == ReadingLevel.AT
    assert reading_level(56, (50, 55)) == ReadingLevel.ABOVE
    assert reading_level(56, None) is None


def test_the_seeded_norms_are_the_defaults_and_the_database_keeps_them_ordered(world):
    """The migration seeds its own copy of the norms (a browser test's flush may have removed the rows
    from this database since, so the copy is compared, and the rows are restored as the demo does)."""
    import importlib

    migration = importlib.import_module("gradebook.migrations.0007_diagnostics")
    assert set(migration.READING_NORMS) == {tuple(int(v) for v in norm) for norm in DEFAULT_READING_NORMS}
    reading_norms_ensure()
    rows = set(ReadingNorm.objects.values_list("grade", "period", "words_from", "words_to"))
    assert rows == set(migration.READING_NORMS)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReadingNorm.objects.filter(grade=2, period=ReadingPeriod.HALF_YEAR).update(words_from=60, words_to=50)


def test_the_database_refuses_what_the_services_would(world, school):
    task = school.math_work.tasks.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiagnosticTask.objects.filter(pk=task.pk).update(pass_points=5)  # above its max of 1
    with pytest.raises(IntegrityError), transaction.atomic():
        DiagnosticWork.objects.filter(pk=school.math_work.pk).update(threshold_4=95)  # «4» above «5»
    with pytest.raises(IntegrityError), transaction.atomic():
        DiagnosticWork.objects.filter(pk=school.math_work.pk).update(reading_period=ReadingPeriod.START)
    absent = DiagnosticResult.objects.get(work=school.math_work, absent=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiagnosticResult.objects.filter(pk=absent.pk).update(mark=4)


# Recording results ---------------------------------------------------------------------------------------


def test_the_hand_computed_grid(world, school):
    grid = results_grid(work=school.math_work)
    by_name = {r.name: r for r in grid.rows}
    assert list(by_name) == ["Аннина Анна", "Борисов Борис", "Глебов Глеб", "Динина Дина"]
    assert [(r.score.total, r.score.percent, r.score.mark) for r in grid.rows[:3]] == [
        (6, D("100.00"), 5),
        (4, D("66.67"), 3),
        (3, D("50.00"), 3),
    ]
    assert by_name["Динина Дина"].absent and by_name["Динина Дина"].score is None
    assert [(s.passed, s.wrote, s.share) for s in grid.shares] == [
        (2, 3, D("66.67")),
        (3, 3, D("100.00")),
        (2, 3, D("66.67")),
    ]
    assert grid.mean_percent == D("72.22")
    assert list(
        DiagnosticResult.objects.filter(work=school.math_work)
        .order_by("student__last_name")
        .values_list("mark", flat=True)
    ) == [5, 3, 3, None]


def test_a_second_submit_changes_clears_and_adds_in_one_go(world, school):
    s = school.students
    summary = diagnostic_results_record(
        user=world.teacher,
        work=school.math_work,
        rows=[
            ResultRow(s["Аннина"].pk, points=(1, 2, 3)),  # unchanged
            ResultRow(s["Борисов"].pk, points=(1, 2, 3)),  # 4 → 6 points: «3» → «5»
            ResultRow(s["Глебов"].pk),  # cleared
            ResultRow(s["Динина"].pk, points=(0, 0, 0)),  # was absent: now wrote, 0 points → «2»
        ],
    )
    assert (summary.created, summary.updated, summary.deleted) == (0, 2, 1)
    marks = dict(
        DiagnosticResult.objects.filter(work=school.math_work).values_list("student__last_name", "mark")
    )
    assert marks == {"Аннина": 5, "Борисов": 5, "Динина": 2}
    dina = DiagnosticResult.objects.get(work=school.math_work, student=s["Динина"])
    assert not dina.absent and dina.updated_by == world.teacher
    assert not DiagnosticTaskResult.objects.filter(
        result__student=s["Глебов"], result__work=school.math_work
    ).exists()


def test_the_deputy_may_record_and_the_director_may_not(world, school):
    s = school.students
    diagnostic_results_record(
        user=world.deputy, work=school.math_work, rows=[ResultRow(s["Глебов"].pk, points=(1, 2, 3))]
    )
    assert DiagnosticResult.objects.get(work=school.math_work, student=s["Глебов"]).mark == 5
    before = stored(school.math_work)
    for user in (world.director, world.colleague, world.other_teacher, world.ct_a):
        refused(
            "not_allowed",
            lambda user=user: diagnostic_results_record(
                user=user, work=school.math_work, rows=[ResultRow(s["Глебов"].pk, points=(0, 0, 0))]
            ),
        )
    assert stored(school.math_work) == before


@pytest.mark.parametrize(
    ("rows", "code", "text"),
    [
        (
            lambda s: [ResultRow(s["Борисов"].pk, points=(1, 3, 0))],
            "invalid_points",
            "task 2: the points must be from 0 to 2",
        ),
        (
            lambda s: [ResultRow(s["Борисов"].pk, points=(1, -1, 0))],
            "invalid_points",
            "Борисов Борис, task 2",
        ),
        (lambda s: [ResultRow(s["Борисов"].pk, points=(1, None, 0))], "points_incomplete", "every task"),
        (
            lambda s: [ResultRow(s["Борисов"].pk, absent=True, points=(1, None, None))],
            "absent_with_points",
            "absent",
        ),
        (
            lambda s: [ResultRow(s["Верина"].pk, points=(1, 1, 1))],
            "student_not_in_class",
            "Верина Вера is not in class 5А",
        ),
        (
            lambda s: [ResultRow(s["Аннина"].pk, points=(0, 0, 0)), ResultRow(s["Аннина"].pk)],
            "student_twice",
            "twice",
        ),
        (lambda s: [ResultRow(s["Аннина"].pk, words_per_minute=40)], "not_reading", "not a reading check"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(world, school, rows, code, text):
    """The good first row is not saved either: the whole submit is refused."""
    before = stored(school.math_work)
    good = ResultRow(school.students["Глебов"].pk, points=(1, 1, 1))
    message = refused(
        code,
        lambda: diagnostic_results_record(
            user=world.teacher, work=school.math_work, rows=[good, *rows(school.students)]
        ),
    )
    assert text in message
    assert stored(school.math_work) == before


def test_reading_rows_are_checked(world, school):
    s, work = school.students, school.reading_a
    before = stored(work)
    for row, code in (
        (ResultRow(s["Ильина"].pk, words_per_minute=401), "invalid_wpm"),
        (ResultRow(s["Ильина"].pk, words_per_minute=-5), "invalid_wpm"),
        (ResultRow(s["Ильина"].pk, reading_way="words"), "wpm_required"),
        (ResultRow(s["Ильина"].pk, words_per_minute=40, reading_way="fast"), "invalid_reading_way"),
        (ResultRow(s["Ильина"].pk, absent=True, words_per_minute=40), "absent_with_reading"),
        (ResultRow(s["Ильина"].pk, points=(3,)), "reading_points"),
    ):
        refused(code, lambda row=row: diagnostic_results_record(user=world.colleague, work=work, rows=[row]))
    assert stored(work) == before


def test_a_student_who_left_before_the_work_is_not_in_the_class(world, school):
    from gradebook.services import enrolment_end

    late = StudentFactory(last_name="Поздняков", first_name="Павел")
    enrolment = enrol(world, world.class_a, "Ранний", "Рома").enrolments.get()
    enrolment_end(
        enrolment=enrolment, end_date=school.math_work.date - timedelta(days=1), reason="transfer_school"
    )
    for student in (late, enrolment.student):
        refused(
            "student_not_in_class",
            lambda student=student: diagnostic_results_record(
                user=world.teacher, work=school.math_work, rows=[ResultRow(student.pk, points=(1, 1, 1))]
            ),
        )


def test_results_of_a_work_dated_in_the_future_are_refused(world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    if tomorrow > world.year.end_date:
        pytest.skip("the last day of the year")
    work = diagnostic_work_create(
        user=world.teacher, class_subject=world.math_a, kind="final", on=tomorrow, tasks=[TaskSpec(1, 1)]
    )
    refused(
        "work_in_future",
        lambda: diagnostic_results_record(
            user=world.teacher, work=work, rows=[ResultRow(world.anna.pk, points=(1,))]
        ),
    )
    assert not DiagnosticResult.objects.filter(work=work).exists()


# Creating and changing a work ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"on": "outside", "tasks": [TaskSpec(1, 1)]}, "date_outside_year"),
        ({"tasks": []}, "no_tasks"),
        ({"tasks": [TaskSpec(0, 1)]}, "invalid_max_points"),
        ({"tasks": [TaskSpec(2, 3)]}, "invalid_pass_points"),
        ({"tasks": [TaskSpec(2, 0)]}, "invalid_pass_points"),
        ({"tasks": [TaskSpec(1, 1)] * 51}, "too_many_tasks"),
        ({"tasks": [TaskSpec(1, 1)], "thresholds": (70, 50, 90)}, "thresholds_not_ordered"),
        ({"tasks": [TaskSpec(1, 1)], "thresholds": (0, 50, 90)}, "thresholds_not_ordered"),
        ({"tasks": [TaskSpec(1, 1)], "thresholds": (50, 70, 101)}, "thresholds_not_ordered"),
        ({"kind": "reading", "reading_period": ReadingPeriod.START}, "reading_grade"),
        ({"kind": "weekly", "tasks": [TaskSpec(1, 1)]}, "unknown_kind"),
    ],
)
def test_a_bad_work_is_refused_and_not_created(world, kwargs, code):
    kwargs = {"kind": "start", "on": day(world, 3), **kwargs}
    if kwargs["on"] == "outside":
        kwargs["on"] = world.year.start_date - timedelta(days=1)
    refused(code, lambda: diagnostic_work_create(user=world.teacher, class_subject=world.math_a, **kwargs))
    assert not DiagnosticWork.objects.exists()


def test_grade_1_and_pass_fail_subjects_have_no_mark_scale(world):
    from gradebook.models import AssessmentScale, Subject
    from gradebook.services import class_subject_set, teaching_assignment_create

    class_1 = school_class_create(academic_year=world.year, grade=1, letter="А")
    math_1 = class_subject_set(school_class=class_1, subject=world.math_a.subject)
    orkse = Subject.objects.create(name="ОРКСЭ", short_name="ОРКСЭ", order=9)
    orkse_a = class_subject_set(school_class=world.class_a, subject=orkse, scale=AssessmentScale.PASS_FAIL)
    for class_subject in (math_1, orkse_a):
        teaching_assignment_create(teacher=world.teacher, class_subject=class_subject)
    common = {"user": world.teacher, "kind": "start", "on": day(world, 3), "tasks": [TaskSpec(1, 1)]}
    refused(
        "grade_1_no_marks",
        lambda: diagnostic_work_create(class_subject=math_1, thresholds=(50, 70, 90), **common),
    )
    refused(
        "subject_not_marked",
        lambda: diagnostic_work_create(class_subject=orkse_a, thresholds=(50, 70, 90), **common),
    )
    work = diagnostic_work_create(class_subject=math_1, **common)  # without marks: fine
    assert work.thresholds is None


def test_only_a_teacher_of_the_subject_or_the_deputy_creates_a_work(world):
    for user in (world.colleague, world.other_teacher, world.ct_a, world.director, world.parent_a):
        refused(
            "not_allowed",
            lambda user=user: diagnostic_work_create(
                user=user, class_subject=world.math_a, kind="start", on=day(world, 3), tasks=[TaskSpec(1, 1)]
            ),
        )
    assert not DiagnosticWork.objects.exists()
    work = diagnostic_work_create(
        user=world.deputy, class_subject=world.math_a, kind="final", on=day(world, 3), tasks=[TaskSpec(1, 1)]
    )
    assert work.created_by == world.deputy


def test_changing_the_scale_recomputes_the_marks(world, school):
    tasks = [TaskSpec(1, 1, "Счёт"), TaskSpec(2, 1, "Дроби"), TaskSpec(3, 2, "Задача")]
    diagnostic_work_update(
        user=world.teacher,
        work=school.math_work,
        on=school.math_work.date,
        title="Входная",
        tasks=tasks,
        thresholds=(40, 60, 80),
    )
    # Борис 4 / 6 = 66.67 % ≥ 60 → «4»; Глеб 3 / 6 = 50 % ≥ 40 → «3»; Анна «5»
    marks = dict(
        DiagnosticResult.objects.filter(work=school.math_work).values_list("student__last_name", "mark")
    )
    assert marks == {"Аннина": 5, "Борисов": 4, "Глебов": 3, "Динина": None}
    diagnostic_work_update(
        user=world.teacher, work=school.math_work, on=school.math_work.date, tasks=tasks, thresholds=None
    )
    assert set(DiagnosticResult.objects.filter(work=school.math_work).values_list("mark", flat=True)) == {
        None
    }


def test_a_work_with_results_keeps_its_tasks_and_their_maximum_above_the_points(world, school):
    work = school.math_work
    before = (stored(work), list(work.tasks.values_list("number", "max_points", "pass_points")))
    common = {"user": world.teacher, "work": work, "on": work.date, "thresholds": (50, 70, 90)}
    refused("tasks_fixed", lambda: diagnostic_work_update(tasks=[TaskSpec(1, 1), TaskSpec(2, 1)], **common))
    message = refused(
        "max_below_results",
        lambda: diagnostic_work_update(tasks=[TaskSpec(1, 1), TaskSpec(2, 1), TaskSpec(2, 2)], **common),
    )
    assert "Task 3: a student already has 3 points" in message
    assert (stored(work), list(work.tasks.values_list("number", "max_points", "pass_points"))) == before
    # A higher maximum is fine, and keeps the points: Анна 6 of 8 = 75 % → «4»
    diagnostic_work_update(tasks=[TaskSpec(1, 1), TaskSpec(2, 1), TaskSpec(5, 2)], **common)
    assert DiagnosticResult.objects.get(work=work, student=world.anna).mark == 4


# Pages ---------------------------------------------------------------------------------------------------


def test_the_teacher_saves_the_grid_in_one_submit(world, school, client_for):
    s = school.students
    url = reverse("diagnostic_results", args=[school.math_work.pk])
    client = client_for(world.teacher)
    page = client.get(url)
    assert page.status_code == 200 and f'name="p-{s["Глебов"].pk}-3"' in page.content.decode()
    data = {"student": [s["Глебов"].pk, s["Динина"].pk]}
    data |= {f"p-{s['Глебов'].pk}-{n}": v for n, v in ((1, "1"), (2, "2"), (3, "3"))}
    data |= {f"absent-{s['Динина'].pk}": "1"}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "изменено — 1" in response.content.decode()  # «1 changed», in Russian
    assert DiagnosticResult.objects.get(work=school.math_work, student=s["Глебов"]).mark == 5
    assert DiagnosticResult.objects.get(work=school.math_work, student=s["Аннина"]).mark == 5


def test_a_refused_grid_keeps_what_was_typed_and_writes_nothing(world, school, client_for):
    s = school.students
    before = stored(school.math_work)
    url = reverse("diagnostic_results", args=[school.math_work.pk])
    data = {"student": [s["Глебов"].pk, s["Борисов"].pk]}
    data |= {f"p-{s['Глебов'].pk}-{n}": "1" for n in (1, 2, 3)}
    data |= {f"p-{s['Борисов'].pk}-1": "1", f"p-{s['Борисов'].pk}-2": "x", f"p-{s['Борисов'].pk}-3": "0"}
    response = client_for(world.teacher).post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Борисов Борис, задание 2: «x» — не целое число." in html
    assert f'name="p-{s["Борисов"].pk}-2" value="x"' in html
    assert stored(school.math_work) == before


def test_readers_see_the_grid_without_inputs_and_may_not_post(world, school, client_for):
    url = reverse("diagnostic_results", args=[school.math_work.pk])
    client = client_for(world.ct_a)
    html = client.get(url).content.decode()
    assert "Аннина Анна" in html and "<input" not in html.split('id="results"')[1].split("</table>")[0]
    before = stored(school.math_work)
    assert client.post(url, {"student": [world.anna.pk], f"p-{world.anna.pk}-1": "0"}).status_code == 404
    assert client_for(world.director).post(url, {"student": [world.anna.pk]}).status_code == 404
    assert stored(school.math_work) == before


def test_the_class_list_shows_each_teacher_their_own_subjects(world, school, client_for):
    url = reverse("class_diagnostics", args=[world.class_a.pk])
    works = lambda user: [r.work.pk for r in client_for(user).get(url).context["rows"]]  # noqa: E731
    assert works(world.teacher) == [school.math_work.pk]
    assert works(world.colleague) == [school.russian_work.pk]
    assert works(world.ct_a) == works(world.deputy) == [school.russian_work.pk, school.math_work.pk]
    assert client_for(world.other_teacher).get(url).status_code == 404


def test_creating_a_work_from_the_form(world, client_for):
    client = client_for(world.teacher)
    url = reverse("diagnostic_work_create", args=[world.class_a.pk])
    data = {
        "class_subject": world.math_a.pk,
        "kind": "administrative",
        "date": day(world, 10).isoformat(),
        "title": "Четверть",
        "task-1-max": "2",
        "task-1-pass": "1",
        "task-1-description": "Дроби",
        "task-2-max": "",
        "task-2-pass": "",
        "task-3-max": "4",
        "task-3-pass": "2",
        "threshold_3": "50",
        "threshold_4": "70",
        "threshold_5": "90",
    }
    response = client.post(url, data)
    work = DiagnosticWork.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "diagnostic_results", args=[work.pk]
    )
    assert list(work.tasks.values_list("number", "max_points", "pass_points", "description")) == [
        (1, 2, 1, "Дроби"),
        (2, 4, 2, ""),  # the empty row is skipped, numbers follow the order
    ]
    assert (work.kind, work.title, work.thresholds, work.created_by) == (
        "administrative",
        "Четверть",
        (50, 70, 90),
        world.teacher,
    )
    # A half-filled scale is refused with a message, and nothing is created
    response = client.post(url, {**data, "threshold_5": ""})
    assert "Заполните все три порога шкалы отметок или не заполняйте ни одного." in response.content.decode()
    assert DiagnosticWork.objects.count() == 1
    # The colleague may not pick the math of 5А: it is not among the choices
    response = client_for(world.colleague).post(url, {**data, "class_subject": world.math_a.pk})
    assert response.status_code == 200 and DiagnosticWork.objects.count() == 1


def test_a_reading_check_takes_its_norm_period_from_the_date_when_not_chosen(world, school, client_for):
    url = reverse("diagnostic_work_create", args=[school.class_3a.pk])
    on = world.year.start_date + timedelta(days=70)  # November: the end of the 1st half-year
    response = client_for(world.colleague).post(
        url,
        {
            "class_subject": school.reading_3a.pk,
            "kind": "reading",
            "date": on.isoformat(),
            "reading_period": "",
        },
    )
    assert response.status_code == 302
    work = DiagnosticWork.objects.latest("pk")
    assert (work.kind, work.reading_period, work.tasks.count()) == ("reading", ReadingPeriod.HALF_YEAR, 0)


def test_editing_and_deleting_a_work(world, school, client_for):
    client = client_for(world.teacher)
    work = school.math_work
    page = client.get(reverse("diagnostic_work_edit", args=[work.pk]))
    assert page.status_code == 200 and 'value="Задача"' in page.content.decode()
    response = client.post(reverse("diagnostic_work_delete", args=[work.pk]), {})
    assert response.status_code == 302 and DiagnosticWork.objects.filter(pk=work.pk).exists()  # not confirmed
    response = client.post(reverse("diagnostic_work_delete", args=[work.pk]), {"confirm": "1"})
    assert response["Location"] == reverse("class_diagnostics", args=[world.class_a.pk])
    assert not DiagnosticWork.objects.filter(pk=work.pk).exists()
    assert not DiagnosticResult.objects.filter(work_id=work.pk).exists()


def test_links_from_the_journal_and_the_teachers_home(world, school, client_for):
    client = client_for(world.teacher)
    target = f"{reverse('class_diagnostics', args=[world.class_a.pk])}?subject={world.math_a.pk}"
    journal = world.math_a.assignments.get(teacher=world.teacher)
    assert target in client.get(reverse("journal", args=[journal.pk])).content.decode()
    assert target in client.get(reverse("teacher_home")).content.decode()


# Query counts --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_saving_a_class_takes_a_fixed_number_of_queries(world, size, django_assert_max_num_queries):
    students = [enrol(world, world.class_a, f"Ученик{n:02d}", "Иван") for n in range(size)]
    work = diagnostic_work_create(
        user=world.teacher,
        class_subject=world.math_a,
        kind="start",
        on=day(world, 5),
        tasks=[TaskSpec(2, 1) for _ in range(8)],
        thresholds=(50, 70, 90),
    )
    first = [ResultRow(s.pk, points=(1,) * 8) for s in students]
    # roles, writer check, tasks, results, members, points, 2 inserts, savepoint and its release
    with django_assert_max_num_queries(10):
        diagnostic_results_record(user=world.teacher, work=work, rows=first)
    again = [ResultRow(s.pk, points=(2,) * 8) if i % 2 else ResultRow(s.pk) for i, s in enumerate(students)]
    # … and instead of the inserts: delete points, delete results, update results, update points
    with django_assert_max_num_queries(13):
        diagnostic_results_record(user=world.teacher, work=work, rows=again)
    assert DiagnosticResult.objects.filter(work=work).count() == size // 2
    assert DiagnosticTaskResult.objects.filter(result__work=work).count() == 8 * (size // 2)
