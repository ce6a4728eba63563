from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import LOGIN_AT_KEY
from tests.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": username, "password": password})


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("deputy", "school_overview"),
        ("director", "school_overview"),
        ("admin", "school_overview"),
        ("ct_a", "class_teacher_home"),
        ("teacher", "teacher_home"),
        ("parent_a", "parent_home"),
        ("anna", "student_home"),
    ],
)
def test_each_role_lands_on_its_home(world, client, username, home):
    response = login(client, username)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == reverse(home)


def test_login_by_email(world, client):
    response = login(client, "parent_a@example.org")
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("parent_home")


def test_wrong_password_is_refused(world, client):
    response = login(client, "teacher", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_throttled_per_account(world, client):
    for _attempt in range(5):
        login(client, "teacher", "wrong-password")
    response = login(client, "teacher")  # the right password, but the account is cooling down
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_session_key_changes_at_login(world, client):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    login(client, "teacher")
    assert client.session.session_key != before


def test_absolute_session_timeout_signs_out(world, client, settings):
    login(client, "teacher")
    session = client.session
    session[LOGIN_AT_KEY] = (
        timezone.now() - settings.SESSION_ABSOLUTE_TIMEOUT - timedelta(minutes=1)
    ).isoformat()
    session.save()
    response = client.get(reverse("teacher_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_role_switch_changes_the_home_and_keeps_access(world, client):
    from accounts.services import guardianship_create

    guardianship_create(guardian=world.ct_a, student=world.vera, relation="father")
    login(client, "ct_a")
    assert client.get(reverse("home"))["Location"] == reverse("class_teacher_home")
    client.post(reverse("role_switch"), {"role": "parent"})
    assert client.get(reverse("home"))["Location"] == reverse("parent_home")
    # access is the union of roles: as "parent" the class teacher still reaches their class
    assert client.get(reverse("class_detail", args=[world.class_a.pk])).status_code == 200
    assert client.get(reverse("student_detail", args=[world.vera.pk])).status_code == 200


def test_switching_to_a_role_not_held_is_ignored(world, client):
    login(client, "teacher")
    client.post(reverse("role_switch"), {"role": "deputy"})
    assert client.get(reverse("home"))["Location"] == reverse("teacher_home")
    assert client.get(reverse("school_overview")).status_code == 404


def test_password_reset_sends_an_email(world, client):
    response = client.post(reverse("account_reset_password"), {"email": "parent_a@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "parent_a@example.org" in mail.outbox[0].to


def test_public_signup_is_closed(db, client):
    response = client.post(
        reverse("account_signup"), {"username": "intruder", "password1": "x" * 12, "password2": "x" * 12}
    )
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="intruder").exists()
    assert response.status_code == 200


def test_authenticated_pages_are_not_cached(world, client):
    login(client, "teacher")
    assert client.get(reverse("teacher_home"))["Cache-Control"] == "no-store"


def test_interface_is_russian_by_default(world, client):
    response = client.get(reverse("account_login"))
    assert '<html lang="ru">' in response.content.decode()
