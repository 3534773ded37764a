"""The top of the org tree: one nation unit, a unit per province and per county of geo.Place.

Ids are fixed (nation 1, province 100 + place id, county = place id) so that paths such as
"/1/110/1318/" are the same on every database and demo data can name them.
"""

from django.core.management.color import no_style
from django.db import migrations

NATION_ID = 1
PROVINCE_OFFSET = 100


def create(apps, schema_editor):
    from mardom.core.text import search_key

    OrgUnit = apps.get_model("orgs", "OrgUnit")
    Place = apps.get_model("geo", "Place")
    alias = schema_editor.connection.alias
    name = "ایران"
    units = [OrgUnit(pk=NATION_ID, kind="nation", name=name, search_key=search_key(name), path=f"/{NATION_ID}/")]
    for province in Place.objects.using(alias).filter(kind="province").order_by("pk"):
        pk = PROVINCE_OFFSET + province.pk
        units.append(OrgUnit(pk=pk, kind="province", name=province.name, search_key=province.search_key,
                             parent_id=NATION_ID, place_id=province.pk, path=f"/{NATION_ID}/{pk}/"))
    for county in Place.objects.using(alias).filter(kind="county").order_by("pk"):
        province_unit = PROVINCE_OFFSET + county.province_id
        units.append(OrgUnit(pk=county.pk, kind="county", name=county.name, search_key=county.search_key,
                             parent_id=province_unit, place_id=county.pk,
                             path=f"/{NATION_ID}/{province_unit}/{county.pk}/"))
    OrgUnit.objects.using(alias).bulk_create(units, batch_size=500)
    # Explicit ids leave PostgreSQL's sequence behind; move it past them so new units do not collide.
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [OrgUnit]):
            cursor.execute(sql)


def remove(apps, schema_editor):
    OrgUnit = apps.get_model("orgs", "OrgUnit")
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="county").delete()
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="province").delete()
    OrgUnit.objects.using(schema_editor.connection.alias).filter(kind="nation").delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial"), ("geo", "0002_load_places")]

    operations = [migrations.RunPython(create, remove, elidable=False)]
