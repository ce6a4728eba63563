from django.urls import reverse

from accounts.access import children_of
from accounts.models import Guardianship
from gradebook.access import classes_led_by


def test_admin_linking_a_guardian_grants_access(world, client_for):
    client = client_for(world.admin)
    response = client.post(
        reverse("admin:accounts_guardianship_add"),
        {"student": world.vera.pk, "guardian": world.parent_a.pk, "relation": "guardian"},
    )
    assert response.status_code == 302
    assert world.vera in children_of(user=world.parent_a)


def test_admin_deleting_a_guardianship_revokes_access(world, client_for):
    link = Guardianship.objects.get(guardian=world.parent_b, student=world.vera)
    client_for(world.admin).post(
        reverse("admin:accounts_guardianship_delete", args=[link.pk]), {"post": "yes"}
    )
    assert list(children_of(user=world.parent_b)) == []


def test_admin_changing_the_class_teacher_moves_the_permission(world, client_for):
    client = client_for(world.admin)
    url = reverse("admin:gradebook_schoolclass_change", args=[world.class_a.pk])
    data = {
        "academic_year": world.year.pk,
        "grade": 5,
        "letter": "А",
        "class_teacher": world.colleague.pk,
        "class_subjects-TOTAL_FORMS": 0,
        "class_subjects-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert list(classes_led_by(user=world.colleague)) == [world.class_a]
    assert list(classes_led_by(user=world.ct_a)) == []


def test_admin_refusal_is_a_message_and_saves_nothing(world, client_for):
    client = client_for(world.admin)
    url = reverse("admin:gradebook_schoolclass_change", args=[world.class_a.pk])
    data = {
        "academic_year": world.year.pk,
        "grade": 5,
        "letter": "А",
        "class_teacher": world.parent_a.pk,
        "class_subjects-TOTAL_FORMS": 0,
        "class_subjects-INITIAL_FORMS": 0,
    }
    response = client.post(url, data, follow=True)
    assert (
        "does not have the teacher role" in response.content.decode()
        or "роли учителя" in response.content.decode()
    )
    world.class_a.refresh_from_db()
    assert world.class_a.class_teacher == world.ct_a


def test_every_model_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "gradebook", "portfolio", "achievements"}
    ]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []
