"""The journal history refuses UPDATE and DELETE at the database (PostgreSQL), and the default rules.

Row-level triggers refuse UPDATE and DELETE for everyone, the owner included. TRUNCATE is left to
privileges: the application's own database role gets only INSERT and SELECT on history tables, while the
owner (migrations, the test runner's flush) keeps it. SQLite has no roles; there the application simply
never issues such statements.
"""

from decimal import Decimal

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION gradebook_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'gradebook_journalhistory is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER gradebook_journalhistory_no_update_delete
    BEFORE UPDATE OR DELETE ON gradebook_journalhistory
    FOR EACH ROW EXECUTE FUNCTION gradebook_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS gradebook_journalhistory_no_update_delete ON gradebook_journalhistory;
DROP FUNCTION IF EXISTS gradebook_history_append_only();
"""

WORK_TYPES = [
    ("Ответ на уроке", "отв", "1.0", 10),
    ("Домашняя работа", "дз", "1.0", 20),
    ("Самостоятельная работа", "сам", "1.0", 30),
    ("Проверочная работа", "пров", "1.5", 40),
    ("Контрольная работа", "кр", "2.0", 50),
    ("Итоговая работа", "итог", "3.0", 60),
]


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def defaults(apps, schema_editor):
    WorkType = apps.get_model("gradebook", "WorkType")
    GradingPolicy = apps.get_model("gradebook", "GradingPolicy")
    GradingPolicy.objects.get_or_create(id=1)
    for name, short, weight, order in WORK_TYPES:
        WorkType.objects.get_or_create(
            name=name, defaults={"short_name": short, "weight": Decimal(weight), "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("gradebook", "0002_journal")]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
