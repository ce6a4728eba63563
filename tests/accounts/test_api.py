from django.urls import reverse

from accounts.models import StudentAccessLog


def test_my_children_lists_only_own_children(world, client_for):
    data = client_for(world.parent_a).get(reverse("api-my-children")).json()
    assert sorted(child["full_name"] for child in data) == sorted(
        [world.anna.full_name, world.boris.full_name]
    )
    assert {child["class_name"] for child in data} == {"5А"}


def test_my_children_is_empty_for_a_teacher(world, client_for):
    assert client_for(world.teacher).get(reverse("api-my-children")).json() == []


def test_my_classes_lists_the_teaching_load(world, client_for):
    data = client_for(world.teacher).get(reverse("api-my-classes")).json()
    assert [(row["class_name"], row["subject"], row["students"]) for row in data] == [("5А", "Математика", 2)]


def test_me_reports_roles(world, client_for):
    data = client_for(world.deputy).get(reverse("api-me")).json()
    assert data["roles"] == ["deputy", "teacher"]
    assert data["active_role"] == "deputy"


def test_other_parent_gets_the_same_404_as_for_a_missing_student(world, client_for):
    client = client_for(world.parent_b)
    foreign = client.get(reverse("api-student-detail", args=[world.anna.pk]))
    missing = client.get(reverse("api-student-detail", args=[999999]))
    assert foreign.status_code == missing.status_code == 404
    assert (
        foreign.json()
        == missing.json()
        == {"error": {"code": "not_found", "message": foreign.json()["error"]["message"], "details": {}}}
    )


def test_staff_views_of_a_student_are_logged_and_family_views_are_not(world, client_for):
    client_for(world.teacher).get(reverse("student_detail", args=[world.anna.pk]))
    client_for(world.parent_a).get(reverse("student_detail", args=[world.anna.pk]))
    client_for(world.anna_user).get(reverse("api-student-detail", args=[world.anna.pk]))
    entries = list(StudentAccessLog.objects.values_list("actor__username", "student", "action"))
    assert entries == [("teacher", world.anna.pk, "view")]


def test_schema_is_served_and_lists_the_endpoints(world, client_for):
    response = client_for(world.teacher).get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/me/", "/api/v1/my-children/", "/api/v1/my-classes/", "/api/v1/students/{id}/"} <= set(
        paths
    )


def test_anonymous_api_call_gets_401_in_the_error_shape(db, client):
    response = client.get(reverse("api-me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
