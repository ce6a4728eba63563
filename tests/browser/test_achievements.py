"""In Chromium: the class teacher of 5А records a class's levels from a diagnostic work (thresholds, proposed
levels, one save) and the deputy's heat map changes from "too few to show" to the shares; a parent opens their
child's results card, downloads its PDF, and gets 404 for another family's child.

The work (mathematics, two tasks: max 2 and 3); «Смысловое чтение» by both tasks, optimal from 40 %, high from 80 %:
    Анна 2+3 = 5/5 → high; Борис 1+1 = 2/5 = 40 % → optimal; Ученик0 0+1 = 20 % → low;
    Ученик1 2+2 = 80 % → high; Ученик2 1+2 = 60 % → optimal
    → 5 students: low 1 (20,00 %), optimal 2 (40,00 %), high 2 (40,00 %).
"""

from django.urls import reverse

from achievements.models import MetaSkillIndicator, MetaSkillLevel
from gradebook.diagnostic_services import (
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
)
from tests.factories import PASSWORD
from tests.gradebook.diagnostics_school import day, enrol


def sign_in_as(page, login_as, username):
    page.context.clear_cookies()
    return login_as(username, PASSWORD)


def a_work_with_results(world):
    pupils = [world.anna, world.boris] + [enrol(world, world.class_a, f"Ученик{n}", "Тест") for n in range(3)]
    work = diagnostic_work_create(
        user=world.teacher,
        class_subject=world.math_a,
        kind="start",
        on=day(world, 7),
        title="Входная",
        tasks=[TaskSpec(2, 1), TaskSpec(3, 1)],
    )
    points = [(2, 3), (1, 1), (0, 1), (2, 2), (1, 2)]
    diagnostic_results_record(
        user=world.teacher,
        work=work,
        rows=[ResultRow(p.pk, points=pts) for p, pts in zip(pupils, points, strict=True)],
    )
    return work


def heat_row(page, indicator):
    return page.locator("table.report-table tr", has=page.locator(f"td:text-is('{indicator}')")).first


def test_levels_from_a_work_update_the_heat_map_and_the_family_sees_the_card(
    world, live_server, page, login_as
):
    work = a_work_with_results(world)
    reading = MetaSkillIndicator.objects.get(name="Смысловое чтение")
    report_url = f"{live_server.url}{reverse('report_page', args=['metaskills'])}?scope=class&class_id={world.class_a.pk}"

    # The deputy's heat map of 5А before: no levels, so too few to show (texts are checked by selectors and
    # numbers, so the test holds once the msgids are translated).
    sign_in_as(page, login_as, "deputy")
    page.goto(report_url)
    before = heat_row(page, "Смысловое чтение")  # "too few to show": no shares, no coloured cells
    assert before.locator("td.heat").count() == 0 and "," not in before.inner_text()

    # The class teacher: class page → levels → the work → its thresholds → proposed levels → save.
    sign_in_as(page, login_as, "ct_a")
    page.goto(f"{live_server.url}/classes/{world.class_a.pk}/")
    page.locator(f'a[href="/achievements/classes/{world.class_a.pk}/levels/"]').click()
    page.locator("#from-work select[name=work]").select_option(str(work.pk))
    page.locator("#from-work button[type=submit]").click()
    page.locator("#proposal-note a").click()  # nothing proposed yet: set the thresholds
    form = page.locator("#thresholds-form")
    form.locator(f"input[name=tasks-{reading.pk}]").fill("1,2")
    form.locator(f"input[name=opt-{reading.pk}]").fill("40")
    form.locator(f"input[name=high-{reading.pk}]").fill("80")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert f"work={work.pk}" in page.url
    cell = page.locator(f"select[name=l-{world.anna.pk}-{reading.pk}]")
    assert cell.input_value() == "high"
    assert page.locator("td.level-cell.proposed").count() == 5
    # keyboard: the class teacher corrects nothing, tabs through the row and saves from the keyboard
    cell.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name").startswith(f"l-{world.anna.pk}-")
    with page.expect_navigation():
        page.locator("#save-levels").click()
    assert (
        MetaSkillLevel.objects.filter(indicator=reading, source="diagnostic", diagnostic_work=work).count()
        == 5
    )

    # The deputy's heat map now has the shares, coloured by fifths.
    sign_in_as(page, login_as, "deputy")
    page.goto(report_url)
    row = heat_row(page, "Смысловое чтение")
    assert "20,00" in row.inner_text() and row.inner_text().count("40,00") == 2
    assert row.locator("td.heat-1").count() == 1 and row.locator("td.heat-2").count() == 2

    # A parent: the child's card from the home page, the PDF, and 404 for another family's child.
    sign_in_as(page, login_as, "parent_a")
    page.locator(f'a[href="/students/{world.anna.pk}/results-card/"]').first.click()
    assert "Смысловое чтение" in page.content() and page.locator("table.levels").count() == 1
    with page.expect_download() as download:
        page.locator("#card-pdf").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert page.goto(f"{live_server.url}/students/{world.vera.pk}/results-card/").status == 404
    assert page.request.get(f"{live_server.url}/students/{world.vera.pk}/results-card/pdf/").status == 404
