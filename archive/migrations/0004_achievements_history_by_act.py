"""The УУД levels' history (achievements 0002) is append-only like the journal's and the portfolio's: it too
lets through DELETE inside a transaction that executes an approved destruction act (see 0003)."""

from django.db import migrations

from archive.migrations import _history_by_act as by_act

FUNCTIONS = {"achievements_history_append_only": "achievements_metaskilllevelhistory"}


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_history_destruction_by_act"),
        ("achievements", "0002_defaults_and_append_only"),
    ]
    operations = [
        migrations.RunPython(by_act.replace(by_act.BY_ACT, FUNCTIONS), by_act.replace(by_act.ALWAYS, FUNCTIONS))
    ]
