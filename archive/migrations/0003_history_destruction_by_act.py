"""The append-only history tables (PostgreSQL triggers of gradebook 0003 and portfolio 0002) let one thing
through: DELETE inside a transaction that executes an approved destruction act, which names itself with
`SELECT set_config('app.destruction_act', <number>, true)` (archive.retention). UPDATE stays refused for
everyone, and DELETE without the act's name too. The production role of the retention job also needs
the DELETE privilege on the two history tables (see README, «Archive and retention»).
"""

from django.db import migrations

from archive.migrations import _history_by_act as by_act

FUNCTIONS = {
    "gradebook_history_append_only": "gradebook_journalhistory",
    "portfolio_history_append_only": "portfolio_portfoliohistory",
}

class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_retention_defaults"),
        ("gradebook", "0003_history_append_only_and_defaults"),
        ("portfolio", "0002_history_append_only_and_points"),
    ]
    operations = [
        migrations.RunPython(by_act.replace(by_act.BY_ACT, FUNCTIONS), by_act.replace(by_act.ALWAYS, FUNCTIONS))
    ]
