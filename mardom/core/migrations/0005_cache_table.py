"""The shared cache's table (settings.CACHES: Django's database cache), made by `migrate` so that no deployment
step can forget it. The API's throttle counts in it, per token, across every web process and machine."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_docs_document")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
