"""The append-only history tables (PostgreSQL triggers of gradebook 0003 and portfolio 0002) let one thing
through: DELETE inside a transaction that executes an approved destruction act, which names itself with
`SELECT set_config('app.destruction_act', <number>, true)` (archive.retention). UPDATE stays refused for
everyone, and DELETE without the act's name too. The production role of the retention job also needs
the DELETE privilege on the two history tables (see README, «Archive and retention»).
"""

from django.db import migrations

FUNCTIONS = {
    "gradebook_history_append_only": "gradebook_journalhistory",
    "portfolio_history_append_only": "portfolio_portfoliohistory",
}

BY_ACT = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('app.destruction_act', true), '') <> '' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

ALWAYS = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def _replace(template):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for function, table in FUNCTIONS.items():
            schema_editor.execute(template.format(function=function, table=table), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_retention_defaults"),
        ("gradebook", "0003_history_append_only_and_defaults"),
        ("portfolio", "0002_history_append_only_and_points"),
    ]
    operations = [migrations.RunPython(_replace(BY_ACT), _replace(ALWAYS))]
