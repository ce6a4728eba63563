"""The regulations' default groups and indicators of learning actions, and the level history refusing UPDATE
and DELETE at the database (PostgreSQL), as the journal's history does. The school edits the list later."""

from django.db import migrations

DEFAULTS = {
    ("regulatory", "Регулятивные"): [
        "Целеполагание",
        "Планирование",
        "Выбор способов деятельности",
        "Самоконтроль",
        "Самооценка",
    ],
    ("cognitive", "Познавательные"): [
        "Поиск информации",
        "Перевод информации из одной формы в другую",
        "Смысловое чтение",
        "Проектно-исследовательская компетентность",
    ],
    ("communicative", "Коммуникативные"): [
        "Выступление с сопровождением",
        "Выражение своего мнения",
        "Неконфликтность",
        "Создание текстов",
    ],
    ("personal", "Личностные"): [
        "Нравственно-этическая ориентация",
        "Готовность к выбору жизненной позиции",
    ],
}

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION achievements_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'achievements_metaskilllevelhistory is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER achievements_metaskilllevelhistory_no_update_delete
    BEFORE UPDATE OR DELETE ON achievements_metaskilllevelhistory
    FOR EACH ROW EXECUTE FUNCTION achievements_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS achievements_metaskilllevelhistory_no_update_delete ON achievements_metaskilllevelhistory;
DROP FUNCTION IF EXISTS achievements_history_append_only();
"""


def seed(apps, schema_editor):
    MetaSkill = apps.get_model("achievements", "MetaSkill")
    Indicator = apps.get_model("achievements", "MetaSkillIndicator")
    for order, ((code, name), indicators) in enumerate(DEFAULTS.items(), start=1):
        skill, _ = MetaSkill.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for number, indicator in enumerate(indicators, start=1):
            Indicator.objects.get_or_create(meta_skill=skill, name=indicator, defaults={"order": number})


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("achievements", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_append_only),
    ]
