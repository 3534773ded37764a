"""The product taxonomy (production/taxonomy.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from mardom.core.text import search_key
    from mardom.production.taxonomy import PRODUCTS

    Product = apps.get_model("production", "Product")
    Product.objects.using(schema_editor.connection.alias).bulk_create([
        Product(code=code, name=name, search_key=search_key(name), category=category, unit=unit, value_chain=chain)
        for code, name, category, unit, chain in PRODUCTS
    ])


def unload(apps, schema_editor):
    apps.get_model("production", "Product").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("production", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
