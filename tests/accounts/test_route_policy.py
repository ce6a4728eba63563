"""The access matrix: every route is in the policy table, and every persona gets what the table says.

Adding a page or endpoint without a line in config/access_policy.py, and for the project's own
routes without a case here, fails these tests.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.access_policy import PUBLIC, ROUTES, SIGNED_IN, policy_for
from tests.conftest import PERSONAS

PROJECT_APPS = ("accounts.", "gradebook.", "config.")


def walk(patterns=None, namespace=None):
    """(route name, callback) of every URL pattern, namespaced like reverse() wants it."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            # An unnamed pattern inside a namespace (admin's redirects) is ruled by its namespace.
            name = f"{namespace}:{p.name or '<unnamed>'}" if namespace else p.name
            yield name, p.callback


def is_project_route(callback) -> bool:
    module = getattr(callback, "__module__", "") or ""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        module = view_class.__module__
    return module.startswith(PROJECT_APPS)


@dataclass
class Case:
    url: callable
    allowed: dict  # persona → expected status
    method: str = "get"
    api: bool = False
    denied_status: int = 404
    data: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.allowed:
            return self.allowed[persona]
        if persona == "anonymous":
            return 401 if self.api else 302
        return self.denied_status


EVERY_SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]
TEACHERS = ["owner", "colleague", "other_teacher", "class_teacher", "other_class_teacher", "deputy"]
SEES_ANNA = ["owner", "colleague", "class_teacher", "own_parent", "student", "deputy", "director", "admin"]
SEES_CLASS_A = ["owner", "colleague", "class_teacher", "deputy", "director", "admin"]


def every(personas, status=200):
    return dict.fromkeys(personas, status)


CASES = {
    "home": Case(lambda w: reverse("home"), {**every(EVERY_SIGNED_IN, 302), "outsider": 200}),
    "role_switch": Case(
        lambda w: reverse("role_switch"), every(EVERY_SIGNED_IN, 302), method="post", data={"role": "teacher"}
    ),
    "teacher_home": Case(lambda w: reverse("teacher_home"), every(TEACHERS)),
    "class_teacher_home": Case(
        lambda w: reverse("class_teacher_home"), every(["class_teacher", "other_class_teacher"], 302)
    ),
    "parent_home": Case(lambda w: reverse("parent_home"), every(["own_parent", "other_parent"])),
    "student_home": Case(lambda w: reverse("student_home"), every(["student", "other_student"], 302)),
    "school_overview": Case(lambda w: reverse("school_overview"), every(["deputy", "director", "admin"])),
    "class_detail": Case(lambda w: reverse("class_detail", args=[w.class_a.pk]), every(SEES_CLASS_A)),
    "student_detail": Case(lambda w: reverse("student_detail", args=[w.anna.pk]), every(SEES_ANNA)),
    "api-me": Case(lambda w: reverse("api-me"), every(EVERY_SIGNED_IN), api=True),
    "api-my-children": Case(lambda w: reverse("api-my-children"), every(EVERY_SIGNED_IN), api=True),
    "api-my-classes": Case(lambda w: reverse("api-my-classes"), every(EVERY_SIGNED_IN), api=True),
    "api-student-detail": Case(
        lambda w: reverse("api-student-detail", args=[w.anna.pk]), every(SEES_ANNA), api=True
    ),
    "api-schema": Case(lambda w: reverse("api-schema"), every(EVERY_SIGNED_IN), api=True),
    "api-docs": Case(lambda w: reverse("api-docs"), every(EVERY_SIGNED_IN), api=True),
    "set_language": Case(
        lambda w: reverse("set_language"),
        {**every(EVERY_SIGNED_IN, 302), "anonymous": 302},
        method="post",
        data={"language": "en", "next": "/"},
    ),
}


def test_every_route_has_a_policy():
    missing = sorted(name or repr(cb) for name, cb in walk() if name is None or policy_for(name) is None)
    assert missing == [], f"routes without a line in config/access_policy.py: {missing}"


def test_policy_table_has_no_stale_routes():
    names = {name for name, _cb in walk()}
    assert sorted(set(ROUTES) - names) == []


def test_every_project_route_has_a_persona_case():
    project_routes = {name for name, cb in walk() if is_project_route(cb)}
    assert project_routes, "the walk found no project routes"
    assert sorted(project_routes - set(CASES)) == []


MATRIX = [(route, persona) for route in CASES for persona in PERSONAS]


@pytest.mark.parametrize(("route", "persona"), MATRIX, ids=[f"{r}-{p}" for r, p in MATRIX])
def test_persona_matrix(world, client_for, route, persona):
    case = CASES[route]
    client = client_for(world.user(persona))
    url = case.url(world)
    response = getattr(client, case.method)(url, case.data)
    assert response.status_code == case.expected(persona), (route, persona, url)
    if persona == "anonymous" and response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")) or route == "set_language"


THIRD_PARTY = sorted(
    name for name, cb in walk() if name and not is_project_route(cb) and not name.startswith("admin:")
)
# Steps of a sign-in in progress: without one, allauth sends the visitor back to the login page.
ROUTE_KWARGS = {
    "account_confirm_email": {"key": "no-such-key"},
    "account_reset_password_from_key": {"uidb36": "0", "key": "no-such-key"},
}
LOGIN_STAGES = {"mfa_authenticate", "account_confirm_login_code"}


@pytest.mark.parametrize("route", THIRD_PARTY)
def test_third_party_routes_follow_policy_for_anonymous(db, client, route):
    """allauth's pages: public ones open without sign-in, the rest send an anonymous visitor to log in."""
    url = reverse(route, kwargs=ROUTE_KWARGS.get(route))
    response = client.get(url)
    assert response.status_code < 500
    redirected_to_login = response.status_code == 302 and response["Location"].startswith(
        reverse("account_login")
    )
    if url.startswith("/api/"):
        assert policy_for(route) == SIGNED_IN
        assert response.status_code == 401
    elif policy_for(route) == PUBLIC:
        assert not redirected_to_login or route in LOGIN_STAGES, route
    else:
        assert policy_for(route) == SIGNED_IN
        assert redirected_to_login, (route, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_site_only_for_staff_accounts(world, client_for, persona):
    response = client_for(world.user(persona)).get(reverse("admin:index"))
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
