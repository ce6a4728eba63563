"""Personal results are anonymous: no model of that part has a relation path to a student (or to any user),
and a class aggregate of fewer than 5 students is shown only as "too few to show" — on the page and in
every export (the report kind's tests check the heat map's cells the same way)."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from accounts.errors import DomainError
from accounts.models import Student
from achievements.models import ClassPersonalResults
from achievements.selectors import class_personal_results
from achievements.services import personal_results_record
from tests.gradebook.diagnostics_school import enrol

# The anonymous part of the app. A model added to it must be added here (and pass the walk).
PERSONAL_RESULTS_MODELS = [ClassPersonalResults]


def reachable(model, seen=None):
    """Every model reachable from `model` by following relations both ways (forward foreign keys and
    one-to-ones, many-to-many, and reverse ones), stopping at models that are shared school structure:
    from a class the walk may go to its year, never back down to enrolments."""
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None and not field.auto_created:
            reachable(field.related_model, seen)  # forward: FK, O2O, M2M declared on the model
        elif field.is_relation and field.auto_created and model in PERSONAL_RESULTS_MODELS:
            reachable(field.related_model, seen)  # reverse relations of the anonymous models themselves
    return seen


def test_no_model_of_personal_results_has_a_path_to_a_student_or_a_user():
    user_model = apps.get_model("accounts", "User")
    for model in PERSONAL_RESULTS_MODELS:
        own_fields = {f.name for f in model._meta.get_fields() if f.is_relation}
        assert own_fields == {"school_class"}, "a new relation on the anonymous model needs a privacy review"
        reached = reachable(model)
        assert Student not in reached
        # the class's class teacher is a user reachable through the class; nothing on the row itself is
        assert not any(
            f.related_model in (Student, user_model) for f in model._meta.get_fields() if f.is_relation
        )


def test_the_walk_would_find_a_student_path():
    """The walk is not vacuous: from a model that does lead to a student, it finds it."""
    from achievements.models import MetaSkillLevel

    assert Student in reachable(MetaSkillLevel)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def class_of_six(world):
    for n in range(4):
        enrol(world, world.class_a, f"Ученик{n}", "Тест")
    return world.class_a  # anna, boris and four more


def test_a_small_group_is_too_few_to_show_everywhere(world, class_of_six, client_for):
    on = world.year.start_date
    personal_results_record(
        user=world.ct_a,
        school_class=class_of_six,
        methodology="Анкета мотивации",
        on=on,
        low=1,
        optimal=2,
        high=1,
    )
    personal_results_record(
        user=world.ct_a, school_class=class_of_six, methodology="Самооценка", on=on, low=1, optimal=3, high=2
    )
    rows = {r.methodology: r.counts for r in class_personal_results(school_class=class_of_six)}
    assert rows == {"Анкета мотивации": None, "Самооценка": (1, 3, 2)}
    page = client_for(world.ct_a).get(reverse("personal_results", args=[class_of_six.pk])).content.decode()
    assert page.count('class="muted too-few"') == 1  # the page is in Russian: checked by its marker


def test_counts_beyond_the_class_or_bad_input_are_refused_and_nothing_is_written(world, class_of_six):
    on = world.year.start_date

    def record(**kw):
        args = {"methodology": "Анкета", "on": on, "low": 1, "optimal": 1, "high": 1, **kw}
        return personal_results_record(user=kw.pop("user", world.ct_a), school_class=class_of_six, **args)

    for kw, code in [
        ({"low": 5}, "too_many"),  # 7 counted in a class of 6
        ({"low": -1}, "bad_counts"),
        ({"low": 0, "optimal": 0, "high": 0}, "bad_counts"),
        ({"methodology": "  "}, "bad_methodology"),
        ({"on": world.year.end_date.replace(year=world.year.end_date.year + 1)}, "date_outside_year"),
    ]:
        with pytest.raises(DomainError) as error:
            record(**kw)
        assert error.value.code == code
    with pytest.raises(DomainError):
        personal_results_record(
            user=world.ct_b, school_class=class_of_six, methodology="x", on=on, low=1, optimal=1, high=1
        )
    assert not ClassPersonalResults.objects.exists()
