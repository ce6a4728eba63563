"""Each role signs in through the real login form in Chromium and lands on its own home."""

import pytest

from tests.factories import PASSWORD

HOMES = [
    ("deputy", "/school/", "#grades"),
    ("director", "/school/", "#grades"),
    ("admin", "/school/", "#grades"),
    ("ct_a", "/classes/", "#roster"),
    ("teacher", "/teacher/", "#assignments"),
    ("parent_a", "/parent/", ".child-card"),
    ("anna", "/students/", "#enrolments"),
]


@pytest.mark.parametrize(("username", "path", "marker"), HOMES)
def test_each_role_lands_on_its_home(world, live_server, page, login_as, username, path, marker):
    login_as(username, PASSWORD)
    assert path in page.url
    assert page.locator(marker).first.is_visible()
    assert page.locator("html").get_attribute("lang") == "ru"


def test_parent_sees_only_own_children_and_gets_404_for_another(world, live_server, page, login_as):
    login_as("parent_a", PASSWORD)
    names = page.locator(".child-card h2").all_inner_texts()
    assert sorted(names) == sorted([world.anna.full_name, world.boris.full_name])
    response = page.goto(f"{live_server.url}/students/{world.vera.pk}/")
    assert response.status == 404
    assert world.vera.last_name not in page.content()
