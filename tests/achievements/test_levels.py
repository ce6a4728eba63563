"""УУД levels: the threshold rule, levels proposed from a diagnostic work, the class grid's one-submit
service with its history, and the refusals (nothing written).

The work is the hand-built 5А mathematics work of tests/gradebook/diagnostics_school.py (tasks 1, 2, 3 with
maximum 1, 2, 3; Анна 1 2 3, Борис 1 1 2, Глеб 0 2 1, Дина absent). Thresholds set here:

    Планирование     task 3 (max 3), optimal from 50 %, high from 100 %:
        Анна 3/3 = 100 % → high; Борис 2/3 = 66.7 % → optimal; Глеб 1/3 = 33.3 % → low
    Смысловое чтение tasks 2 and 3 (max 5), optimal from 60 %, high from 100 %:
        Анна 5/5 → high (exactly 100); Борис 1+2 = 3/5 = 60 % → optimal (exactly 60); Глеб 2+1 = 3/5 → optimal
    Дина is absent: no level proposed.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from accounts.errors import DomainError
from achievements.models import Level, MetaSkill, MetaSkillIndicator, MetaSkillLevel, MetaSkillLevelHistory
from achievements.rules import change_of, level_for, level_from_tasks, shown
from achievements.selectors import levels_grid, levels_proposed
from achievements.services import (
    DEFAULT_METASKILLS,
    LevelCell,
    ThresholdRow,
    level_thresholds_set,
    levels_record,
    metaskills_ensure,
)
from tests.gradebook.diagnostics_school import build_diagnostics_school, day


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def school(world):
    return build_diagnostics_school(world)


def indicator(name):
    return MetaSkillIndicator.objects.get(name=name)


def snapshot():
    levels = sorted(MetaSkillLevel.objects.values_list("student_id", "indicator_id", "level", "source"))
    return levels, MetaSkillLevelHistory.objects.count()


def test_the_seeded_groups_and_indicators_are_the_regulations_defaults(world):
    assert list(MetaSkill.objects.values_list("code", flat=True)) == [
        "regulatory",
        "cognitive",
        "communicative",
        "personal",
    ]
    counts = {s.code: s.indicators.count() for s in MetaSkill.objects.all()}
    assert counts == {"regulatory": 5, "cognitive": 4, "communicative": 4, "personal": 2}
    assert indicator("Смысловое чтение").meta_skill.code == "cognitive"
    seeded = {
        (s.code, s.name): tuple(s.indicators.order_by("order").values_list("name", flat=True))
        for s in MetaSkill.objects.all()
    }
    assert seeded == DEFAULT_METASKILLS  # the migration and metaskills_ensure agree


def test_ensure_restores_missing_defaults_and_keeps_the_schools_edits(world):
    MetaSkillIndicator.objects.filter(name="Самооценка").update(is_active=False)
    MetaSkillIndicator.objects.filter(name="Неконфликтность").delete()
    metaskills_ensure()
    assert MetaSkillIndicator.objects.get(name="Неконфликтность").is_active
    assert not MetaSkillIndicator.objects.get(name="Самооценка").is_active


@pytest.mark.parametrize(
    ("points", "maximum", "expected"),
    [
        (0, 10, Level.LOW),
        (4, 10, Level.LOW),  # 40 % < 50 %
        (5, 10, Level.OPTIMAL),  # exactly the optimal threshold
        (7, 10, Level.OPTIMAL),
        (8, 10, Level.HIGH),  # exactly the high threshold
        (10, 10, Level.HIGH),
        (2, 3, Level.OPTIMAL),  # 66.67 % < 80 %
    ],
)
def test_level_thresholds_compare_exactly(points, maximum, expected):
    assert level_for(points=points, max_points=maximum, optimal_from=50, high_from=80) == expected


def test_share_just_below_a_threshold_is_not_rounded_up():
    # 2 of 3 points is 66.666… %: below 67 %, although it rounds to 67
    assert level_for(points=2, max_points=3, optimal_from=67, high_from=90) == Level.LOW


def test_a_missing_task_gives_no_level_and_change_and_group_rules():
    assert (
        level_from_tasks(
            points={1: 1}, max_points={1: 1, 2: 2}, task_numbers=[1, 2], optimal_from=50, high_from=90
        )
        is None
    )
    assert (
        change_of("low", "high") == 1
        and change_of("high", "optimal") == -1
        and change_of("optimal", "optimal") == 0
    )
    assert change_of(None, "low") is None
    assert not shown(4) and shown(5)


def set_thresholds(world, school):
    return level_thresholds_set(
        user=world.ct_a,
        work=school.math_work,
        rows=[
            ThresholdRow(indicator("Планирование").pk, (3,), 50, 100),
            ThresholdRow(indicator("Смысловое чтение").pk, (2, 3), 60, 100),
        ],
    )


def test_a_work_proposes_the_hand_computed_levels(world, school):
    set_thresholds(world, school)
    s = school.students
    plan, reading = indicator("Планирование").pk, indicator("Смысловое чтение").pk
    assert levels_proposed(work=school.math_work) == {
        s["Аннина"].pk: {plan: Level.HIGH, reading: Level.HIGH},
        s["Борисов"].pk: {plan: Level.OPTIMAL, reading: Level.OPTIMAL},
        s["Глебов"].pk: {plan: Level.LOW, reading: Level.OPTIMAL},
    }


def test_the_class_teacher_confirms_proposed_levels_and_the_history_keeps_every_change(world, school):
    set_thresholds(world, school)
    s = school.students
    plan = indicator("Планирование")
    grid = levels_grid(school_class=world.class_a, on=day(world, 10), work=school.math_work)
    assert grid.proposed == 6
    cells = [LevelCell(r.student_id, c.indicator_id, c.level) for r in grid.rows for c in r.cells if c.level]
    summary = levels_record(
        user=world.ct_a,
        school_class=world.class_a,
        cells=cells,
        source="diagnostic",
        diagnostic_work=school.math_work,
    )
    assert (summary.created, summary.updated, summary.deleted) == (6, 0, 0)
    gleb = MetaSkillLevel.objects.get(student=s["Глебов"], indicator=plan)
    assert (gleb.level, gleb.source, gleb.diagnostic_work_id) == ("low", "diagnostic", school.math_work.pk)

    # the class teacher later observes Глеб planning better, and clears Борис's planning
    summary = levels_record(
        user=world.ct_a,
        school_class=world.class_a,
        cells=[
            LevelCell(s["Глебов"].pk, plan.pk, "optimal"),
            LevelCell(s["Борисов"].pk, plan.pk, ""),
            LevelCell(s["Аннина"].pk, plan.pk, "high"),  # unchanged: no history row
        ],
        source="observation",
    )
    assert (summary.created, summary.updated, summary.deleted) == (0, 1, 1)
    gleb.refresh_from_db()
    assert (gleb.level, gleb.source, gleb.diagnostic_work_id) == ("optimal", "observation", None)
    assert not MetaSkillLevel.objects.filter(student=s["Борисов"], indicator=plan).exists()
    history = list(
        MetaSkillLevelHistory.objects.filter(indicator=plan, student__in=[s["Глебов"], s["Борисов"]])
        .order_by("id")
        .values_list("student__last_name", "old_level", "new_level", "new_source")
    )
    assert history == [
        ("Борисов", "", "optimal", "diagnostic"),
        ("Глебов", "", "low", "diagnostic"),
        ("Глебов", "low", "optimal", "observation"),
        ("Борисов", "optimal", "", ""),
    ]


def refused(code, call):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.code == code
    assert snapshot() == before
    return str(error.value.message)


def test_bad_grids_are_refused_and_nothing_is_written(world, school):
    s = school.students
    plan = indicator("Планирование").pk
    levels_record(
        user=world.ct_a,
        school_class=world.class_a,
        cells=[LevelCell(s["Аннина"].pk, plan, "low")],
        source="observation",
    )

    def record(cells, user=world.ct_a, **kw):
        return lambda: levels_record(
            user=user, school_class=world.class_a, cells=cells, **{"source": "observation", **kw}
        )

    good = LevelCell(s["Борисов"].pk, plan, "high")
    assert "not a level" in refused("bad_level", record([good, LevelCell(s["Аннина"].pk, plan, "5")]))
    assert "not in the class" in refused(
        "not_in_class", record([good, LevelCell(world.vera.pk, plan, "low")])
    )
    assert refused("not_allowed", record([good], user=world.ct_b))
    assert refused("not_allowed", record([good], user=world.teacher))
    assert refused("duplicate_cell", record([good, good]))
    assert refused("bad_source", record([good], source="diagnostic"))
    assert refused("bad_source", record([good], source="guess"))
    MetaSkillIndicator.objects.filter(pk=plan).update(is_active=False)
    assert refused("unknown_indicator", record([good]))


def test_bad_thresholds_are_refused_and_the_old_ones_kept(world, school):
    set_thresholds(world, school)
    before = list(
        school.math_work.level_thresholds.values_list(
            "indicator_id", "task_numbers", "optimal_from", "high_from"
        )
    )
    plan = indicator("Планирование").pk
    cases = [
        ([ThresholdRow(plan, (4,), 50, 90)], "bad_tasks"),
        ([ThresholdRow(plan, (), 50, 90)], "bad_tasks"),
        ([ThresholdRow(plan, (1,), 90, 50)], "bad_thresholds"),
        ([ThresholdRow(plan, (1,), 0, 50)], "bad_thresholds"),
        ([ThresholdRow(plan, (1,), 50, 101)], "bad_thresholds"),
        ([ThresholdRow(plan, (1,), 50, 90), ThresholdRow(plan, (2,), 50, 90)], "bad_indicator"),
    ]
    for rows, code in cases:
        with pytest.raises(DomainError) as error:
            level_thresholds_set(user=world.ct_a, work=school.math_work, rows=rows)
        assert error.value.code == code
    with pytest.raises(DomainError):
        level_thresholds_set(user=world.ct_b, work=school.math_work, rows=[])
    after = list(
        school.math_work.level_thresholds.values_list(
            "indicator_id", "task_numbers", "optimal_from", "high_from"
        )
    )
    assert after == before


def test_the_grid_reads_in_a_fixed_number_of_queries(world, school, django_assert_max_num_queries):
    set_thresholds(world, school)
    with django_assert_max_num_queries(6):
        grid = levels_grid(school_class=world.class_a, on=day(world, 10), work=school.math_work)
    assert [r.name for r in grid.rows] == ["Аннина Анна", "Борисов Борис", "Глебов Глеб", "Динина Дина"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_rewrite_level_history(world):
    plan = indicator("Планирование").pk
    cells = [LevelCell(world.anna.pk, plan, "low")]
    levels_record(user=world.ct_a, school_class=world.class_a, cells=cells, source="observation")
    for statement in (
        "UPDATE achievements_metaskilllevelhistory SET new_level = 'high'",
        "DELETE FROM achievements_metaskilllevelhistory",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert MetaSkillLevelHistory.objects.get().new_level == "low"


def test_personal_results_of_grades_1_to_9_are_never_recorded_per_student(world, school):
    """DESIGN §4: the personal group has no per-student level in grade 5 (refused, not in the grid, not among
    a work's thresholds); in grade 10 it has."""
    from gradebook.services import enrolment_create, school_class_create
    from tests.factories import StudentFactory

    moral = indicator("Нравственно-этическая ориентация").pk
    cell = [LevelCell(world.anna.pk, moral, "high")]
    assert "not recorded per student" in refused(
        "personal_is_anonymous",
        lambda: levels_record(user=world.ct_a, school_class=world.class_a, cells=cell, source="observation"),
    )
    with pytest.raises(DomainError) as error:
        level_thresholds_set(user=world.ct_a, work=school.math_work, rows=[ThresholdRow(moral, (1,), 50, 90)])
    assert error.value.code == "personal_is_anonymous"
    grid = levels_grid(school_class=world.class_a, on=day(world, 10))
    assert moral not in {i.pk for i in grid.indicators} and len(grid.indicators) == 13

    class_10 = school_class_create(academic_year=world.year, grade=10, letter="А")
    senior = StudentFactory(last_name="Старшая", first_name="Ира")
    enrolment_create(student=senior, school_class=class_10, start_date=world.year.start_date)
    cells = [LevelCell(senior.pk, moral, "high")]
    levels_record(user=world.deputy, school_class=class_10, cells=cells, source="observation")
    assert MetaSkillLevel.objects.get(student=senior).level == "high"
