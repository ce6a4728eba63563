"""Browser tests: Playwright driving the system's Chromium against pytest-django's live server.

Every test under tests/browser/ is marked `browser` (select with `-m browser`, leave out with
`-m "not browser"`).

Fixtures:
- `browser` (session): a headless Chromium from CHROMIUM_PATH (default /usr/bin/chromium); Playwright
  never downloads a browser of its own. Without that file the tests are skipped, or fail when
  REQUIRE_BROWSER=1 or CI=true, so CI cannot go green without running them.
- `page`: a fresh context (locale ru-RU) and page per test, closed afterwards.
- `login_as`: returns `login(username, password) -> Page` that signs in through the allauth form on
  the live server and fails the test, with the form's error, when the sign-in does not go through.

Use `live_server` for the address (`page.goto(live_server.url + "/...")`). The live server runs in
another thread of the same process, so the test's data must be committed for it to see: pytest-django
makes every test that uses `live_server` request `transactional_db` (tables are flushed after each
test, so such tests are slower). With SQLite the in-memory test database is shared with the server
thread for the same reason. Under pytest-xdist each worker has its own live server, database and
Chromium.

Playwright's sync API keeps an asyncio event loop in the main thread, and Django then refuses ORM
calls from that thread with SynchronousOnlyOperation. The calls are in fact synchronous, so
DJANGO_ALLOW_ASYNC_UNSAFE is set for the test process.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the networking flags Chromium keeps calling Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
LOGIN_PATH = "/accounts/login/"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, not only this folder's.
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM_PATH).is_file():
        message = f"Chromium not found at {CHROMIUM_PATH} (install Debian's chromium or set CHROMIUM_PATH)"
        if _browser_required():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_as(page, live_server) -> Callable:
    def login(username: str, password: str):
        page.goto(live_server.url + LOGIN_PATH)
        form = page.locator("form", has=page.locator("input[name=login]"))
        form.locator("input[name=login]").fill(username)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            form.locator("[type=submit]").first.click()
        if re.search(rf"{re.escape(LOGIN_PATH)}(\?|$)", page.url):
            errors = page.locator(".errorlist, [role=alert], .alert").all_inner_texts()
            pytest.fail(f"login as {username!r} did not go through: {errors or 'no error shown'}")
        return page

    return login


@pytest.fixture
def world(transactional_db):
    """The live server's thread must see committed rows: the world is built for each browser test
    (and flushed after it), not shared from a module transaction as in the other suites."""
    from tests.conftest import build_world, load_world

    build_world()
    return load_world()
