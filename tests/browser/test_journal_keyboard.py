"""A teacher fills a whole class's term in the journal from the keyboard alone, in Chromium."""

from datetime import timedelta

from playwright.sync_api import expect

from gradebook.journal_services import lesson_create, term_of
from gradebook.models import JournalHistory, Mark, WorkType
from tests.factories import PASSWORD


def test_teacher_fills_the_term_from_the_keyboard(world, live_server, page, login_as):
    journal = world.math_a.assignments.get(teacher=world.teacher)
    work = WorkType.objects.get(short_name="отв")
    days = [world.year.start_date + timedelta(days=d) for d in (2, 3, 4)]
    lessons = [lesson_create(user=world.teacher, assignment=journal, on=day, work_type=work) for day in days]
    term = term_of(school_class=world.class_a, on=days[0])
    login_as("teacher", PASSWORD)
    page.goto(f"{live_server.url}/journal/{journal.pk}/?term={term.pk}")
    page.locator("td.cell").first.focus()
    # Column by column: a digit saves and moves down; after the last row, up and right to the next column.
    for values in [("5", "4"), ("4", "3"), ("5", "5")]:
        for value in values:
            page.keyboard.press(value)
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowRight")
    # attendance: type н and Enter in anna's first cell
    page.keyboard.press("Home")
    first = page.locator(f'td.cell[data-lesson="{lessons[0].pk}"][data-student="{world.anna.pk}"]')
    first.focus()
    page.keyboard.press("Delete")  # clear anna's first mark
    expect(page.locator("td.saving")).to_have_count(0, timeout=20_000)
    # A Russian keyboard layout sends keydown with key "н"; Playwright's type() would only insert text.
    first.dispatch_event("keydown", {"key": "н", "bubbles": True})
    page.keyboard.press("Enter")
    expect(page.locator("td.saving")).to_have_count(0, timeout=20_000)
    # an invalid mark is refused in Russian and stays visible for a retry
    bad = page.locator(f'td.cell[data-lesson="{lessons[1].pk}"][data-student="{world.boris.pk}"]')
    bad.focus()
    page.keyboard.type("7")  # a digit outside 1–5 opens the editor
    page.keyboard.press("Enter")
    expect(page.locator("td.saving")).to_have_count(0, timeout=20_000)
    assert "error" in bad.get_attribute("class")
    assert "от 2 до 5" in (bad.get_attribute("title") or "")
    expect(page.locator("td.saving")).to_have_count(0, timeout=20_000)
    page.screenshot(path="test-artifacts/journal.png", full_page=True)

    marks = {(m.lesson_id, m.student_id): m.value for m in Mark.objects.all()}
    assert marks == {
        (lessons[0].pk, world.boris.pk): 4,
        (lessons[1].pk, world.anna.pk): 4,
        (lessons[1].pk, world.boris.pk): 3,
        (lessons[2].pk, world.anna.pk): 5,
        (lessons[2].pk, world.boris.pk): 5,
    }
    assert JournalHistory.objects.filter(entity="mark", action="create").count() == 6
    assert JournalHistory.objects.filter(entity="mark", action="delete").count() == 1
    assert JournalHistory.objects.filter(entity="attendance", action="create").count() == 1
    assert first.inner_text() == "н"
    suggested = page.locator(f'tr[data-student="{world.boris.pk}"] td.suggested').inner_text()
    assert suggested == "4"  # (4 + 3 + 5) / 3 = 4.00


def test_delete_right_after_typing_clears_the_mark_even_while_saves_are_slow(
    world, live_server, page, login_as
):
    """The saves queue in typing order; Delete decides what to clear once the mark's save has landed."""
    import time

    journal = world.math_a.assignments.get(teacher=world.teacher)
    lesson = lesson_create(
        user=world.teacher,
        assignment=journal,
        on=world.year.start_date + timedelta(days=2),
        work_type=WorkType.objects.get(short_name="отв"),
    )
    term = term_of(school_class=world.class_a, on=lesson.date)
    login_as("teacher", PASSWORD)

    def slow(route):
        time.sleep(0.4)
        route.continue_()

    page.route("**/api/v1/journals/*/cells/", slow)
    page.goto(f"{live_server.url}/journal/{journal.pk}/?term={term.pk}")
    cell = page.locator(f'td.cell[data-lesson="{lesson.pk}"][data-student="{world.anna.pk}"]')
    cell.focus()
    page.keyboard.press("5")  # saves (slowly) and moves down
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Delete")  # pressed while the «5» is still on its way
    expect(page.locator("td.saving")).to_have_count(0, timeout=20_000)
    assert not Mark.objects.filter(lesson=lesson).exists()
    assert list(
        JournalHistory.objects.filter(entity="mark").order_by("id").values_list("action", flat=True)
    ) == [
        "create",
        "delete",
    ]
