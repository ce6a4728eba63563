"""In Chromium: a parent adds a diploma with a scan, the class teacher verifies it beside the scan, the rating
and the child's page update, and another parent can neither see nor download it (404)."""

import re

import pytest
from django.utils import timezone

from portfolio.models import PortfolioItem
from tests.factories import PASSWORD
from tests.portfolio.scans import GPS_MARK, jpeg_bytes


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in_as(page, login_as, username):
    page.context.clear_cookies()
    return login_as(username, PASSWORD)


def test_diploma_from_parent_to_verified_and_hidden_from_another_family(world, live_server, page, login_as):
    anna_portfolio = f"{live_server.url}/students/{world.anna.pk}/portfolio/"

    # The mother adds a regional olympiad win with a phone photo of the diploma.
    sign_in_as(page, login_as, "parent_a")
    page.locator(f'.child-card a[href="/students/{world.anna.pk}/portfolio/"]').click()
    assert page.locator("#standing").inner_text().count("0,00") >= 1
    page.locator("#add-item").click()
    form = page.locator("#item-form")
    form.locator("select[name=kind]").select_option("olympiad")
    form.locator("input[name=title]").fill("Региональный этап олимпиады по математике")
    form.locator("input[name=date]").fill(timezone.localdate().isoformat())
    form.locator("select[name=level]").select_option("regional")
    form.locator("select[name=result]").select_option("winner")
    form.locator("input[name=files]").set_input_files(
        files=[{"name": "диплом.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    item = PortfolioItem.objects.get()
    assert page.url.endswith(f"/portfolio/items/{item.pk}/")
    assert item.status == "submitted"
    scan_url = page.locator(".evidence img").get_attribute("src")
    download = page.request.get(live_server.url + scan_url)
    assert download.status == 200 and download.headers["content-disposition"].startswith("attachment")
    assert GPS_MARK not in download.body()

    # The class teacher sees it in the queue beside the scan and verifies it.
    sign_in_as(page, login_as, "ct_a")
    page.goto(f"{live_server.url}/portfolio/review/")
    card = page.locator(f"#review-{item.pk}")
    assert "Региональный этап" in card.inner_text()
    assert card.locator(".evidence img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 40
    with page.expect_navigation():
        card.locator("button[value=verify]").click()
    assert page.locator(f"#review-{item.pk}").count() == 0
    item.refresh_from_db()
    assert item.status == "verified" and item.verified_by == world.ct_a

    # The child's page: verified, 40 points for a regional win, first of two in the class.
    sign_in_as(page, login_as, "parent_a")
    page.goto(anna_portfolio)
    standing = page.locator("#standing").inner_text()
    assert "40,00" in standing and re.search(r"1\s*/\s*2", standing)
    assert "Региональный этап" in page.locator("#points").inner_text()
    assert item.get_status_display() in page.locator("#items").inner_text()

    # Another family: the page, the item and the file answer 404, and nothing of it is shown.
    sign_in_as(page, login_as, "parent_b")
    for url in (anna_portfolio, f"{live_server.url}/portfolio/items/{item.pk}/"):
        response = page.goto(url)
        assert response.status == 404
        assert "Региональный этап" not in page.content()
    assert page.request.get(live_server.url + scan_url).status == 404
