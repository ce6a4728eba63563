"""The portfolio history refuses UPDATE and DELETE at the database (PostgreSQL), as the journal's does, and
the rating's default points table (level × result) and settings row.

Defaults (winner / prize-winner / participant): school 10/7/2, municipal 20/14/4, regional 40/28/8,
interregional 60/42/12, all-Russian 80/56/16, international 100/70/20. The deputy edits them.
"""

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION portfolio_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portfolio_portfoliohistory is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portfolio_portfoliohistory_no_update_delete
    BEFORE UPDATE OR DELETE ON portfolio_portfoliohistory
    FOR EACH ROW EXECUTE FUNCTION portfolio_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS portfolio_portfoliohistory_no_update_delete ON portfolio_portfoliohistory;
DROP FUNCTION IF EXISTS portfolio_history_append_only();
"""

POINTS = {
    "school": (10, 7, 2),
    "municipal": (20, 14, 4),
    "regional": (40, 28, 8),
    "interregional": (60, 42, 12),
    "all_russian": (80, 56, 16),
    "international": (100, 70, 20),
}
RESULTS = ("winner", "prize_winner", "participant")


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def defaults(apps, schema_editor):
    RatingPoints = apps.get_model("portfolio", "RatingPoints")
    RatingSettings = apps.get_model("portfolio", "RatingSettings")
    RatingSettings.objects.get_or_create(id=1)
    for level, row in POINTS.items():
        for result, points in zip(RESULTS, row, strict=True):
            RatingPoints.objects.get_or_create(level=level, result=result, defaults={"points": points})


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
