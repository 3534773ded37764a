"""The top of the org tree: one nation unit, a unit per province and per county of geo.Place.

Ids are fixed (nation 1, province 100 + place id, county = place id) so that paths such as
"/1/110/1318/" are the same on every database and demo data can name them. The work is done by
mardom.orgs.reference.create_top_units, which the test suite also uses to reload this data.
"""

from django.db import migrations


def create(apps, schema_editor):
    from mardom.orgs.reference import create_top_units

    create_top_units(apps.get_model("orgs", "OrgUnit"), apps.get_model("geo", "Place"),
                     using=schema_editor.connection.alias)


def remove(apps, schema_editor):
    OrgUnit = apps.get_model("orgs", "OrgUnit")
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="county").delete()
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="province").delete()
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="nation").delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial"), ("geo", "0002_load_places")]

    operations = [migrations.RunPython(create, remove, elidable=False)]
