"""Iran's official holidays of 1404 and 1405 in the working calendar (mardom.desk.reference), so that every
install counts deadlines on them from the start; officers edit them on /desk/calendar/, and
`manage.py desk-holidays 1406` adds a later year."""

from django.db import migrations


def seed(apps, schema_editor):
    from mardom.desk.reference import SEEDED_YEARS, seed_holidays

    seed_holidays(apps.get_model("desk", "Holiday"), years=SEEDED_YEARS, using=schema_editor.connection.alias)


def unseed(apps, schema_editor):
    from mardom.desk.reference import SEEDED_YEARS, official_holidays

    dates = [h.date for year in SEEDED_YEARS for h in official_holidays(year)]
    Holiday = apps.get_model("desk", "Holiday")
    Holiday.objects.using(schema_editor.connection.alias).filter(province__isnull=True, date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("desk", "0001_calendar")]

    operations = [migrations.RunPython(seed, unseed, elidable=False)]
