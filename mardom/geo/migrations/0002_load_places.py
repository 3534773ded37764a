"""Load Iran's official divisions (mardom/geo/data/) into geo.Place, with fixed ids, no prompts."""

from django.db import migrations


def load(apps, schema_editor):
    from mardom.geo.loading import load_places

    load_places(apps.get_model("geo", "Place"), using=schema_editor.connection.alias)


def unload(apps, schema_editor):
    # One DELETE rather than QuerySet.delete(): the latter would collect 100k rows in Python to honour
    # PROTECT between places. Foreign keys from other apps still stop it, as they should.
    Place = apps.get_model("geo", "Place")
    schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(Place._meta.db_table)}")


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_place")]

    operations = [migrations.RunPython(load, unload, elidable=False)]
