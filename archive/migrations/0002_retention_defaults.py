"""The default retention periods of the issue and DESIGN §4; the school edits them to its номенклатура дел."""

from django.db import migrations

DEFAULTS = [
    ("personal_file", 3, "leaving", "Приказ Росархива № 236, ст. 596: до выбытия + 3 года"),
    ("certificate_book", 50, "created", "Приказ Росархива № 236: книга выдачи аттестатов — 50 лет"),
    ("state_exam", 1, "year_end", "Протоколы ГИА — 1 год"),
    ("journal", 5, "year_end", "Электронный журнал — 5 лет"),
    ("ledger", 25, "year_end", "Сводные ведомости — 25 лет (письмо АП-147/07)"),
    ("destruction_act", 3, "created", "Приказ Роскомнадзора № 179: акты и выгрузки из журнала — 3 года"),
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("archive", "RetentionRule")
    for kind, years, starts_from, basis in DEFAULTS:
        RetentionRule.objects.get_or_create(
            kind=kind, defaults={"years": years, "starts_from": starts_from, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
