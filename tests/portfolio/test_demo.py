"""The demo portfolio: every kind, level and state, awards, applications and register entries, the demo
logins' share, and the same rows for the same seed."""

import hashlib
import shutil
import tempfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Student
from portfolio.models import (
    Award,
    AwardProposal,
    Evidence,
    ExternalCreditRequest,
    GiftedRegistryEntry,
    ItemKind,
    Level,
    PortfolioHistory,
    PortfolioItem,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _digest() -> str:
    rows = list(
        PortfolioItem.objects.order_by("pk").values_list(
            "student__last_name", "student__first_name", "kind", "title", "date", "level", "result", "status"
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="portfolio-demo-")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        with transaction.atomic():  # a first build, rolled back: the same seed must give the same rows
            call_command("demo_school", "--students", "120", "--seed", "7", stdout=StringIO())
            first = _digest()
            transaction.set_rollback(True)
        out = StringIO()
        call_command("demo_school", "--students", "120", "--seed", "7", stdout=out)
        again = _digest()
        yield {"output": out.getvalue(), "first": first, "again": again}
        transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture
def built(demo, db):
    return demo


def test_the_command_reports_the_portfolio(built):
    assert "Портфолио: достижений" in built["output"]


def test_every_kind_level_and_state_is_there(built):
    pairs = set(PortfolioItem.objects.values_list("kind", "level"))
    assert pairs >= {(k, lv) for k in ItemKind.values for lv in Level.values}
    assert set(PortfolioItem.objects.values_list("status", flat=True)) == {
        "submitted",
        "verified",
        "rejected",
    }
    assert not PortfolioItem.objects.filter(status="rejected", rejection_reason="").exists()


def test_awards_applications_and_register_entries(built):
    assert Award.objects.exists() and AwardProposal.objects.filter(status="proposed").exists()
    assert set(ExternalCreditRequest.objects.values_list("status", flat=True)) == {
        "submitted",
        "accepted",
        "rejected",
    }
    assert GiftedRegistryEntry.objects.exists()
    assert not Student.objects.filter(gifted_registry=True, gifted_entries__isnull=True).exists()


def test_demo_logins_see_items_in_every_state(built):
    for filters in (
        {"student__guardianships__guardian__username": "parent"},
        {"student__user__username": "student"},
    ):
        states = set(PortfolioItem.objects.filter(**filters).values_list("status", flat=True))
        assert states == {"submitted", "verified", "rejected"}, filters
    assert Evidence.objects.filter(item__student__user__username="student").exists()


def test_the_same_seed_gives_the_same_portfolio(built):
    assert built["first"] == built["again"]


def test_every_item_has_its_history(built):
    created = set(
        PortfolioHistory.objects.filter(entity="item", action="create").values_list("entity_id", flat=True)
    )
    assert created == set(PortfolioItem.objects.values_list("pk", flat=True))
