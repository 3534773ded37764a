"""The product taxonomy (production/taxonomy.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from mardom.production.reference import load_products

    load_products(apps.get_model("production", "Product"), using=schema_editor.connection.alias)


def unload(apps, schema_editor):
    apps.get_model("production", "Product").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("production", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
