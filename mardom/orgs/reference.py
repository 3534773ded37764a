"""The top of the org tree: one nation unit, a unit per province and per county of geo.Place.

Used by migration 0003 (with historical models) and by the test suite's reference-data reload (with the
real ones), so it takes the model classes as arguments and relies only on the fields of that migration.

Ids are fixed (nation 1, province 100 + place id, county = place id) so that paths such as
"/1/110/1318/" are the same on every database and demo data can name them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.color import no_style
from django.db import connections

from mardom.core.text import search_key

NATION_ID = 1
PROVINCE_OFFSET = 100
NATION_NAME = "ایران"


def create_top_units(org_unit_model: Any, place_model: Any, using: str = "default") -> int:
    """Insert the nation, province and county units; returns how many. Expects none of them to exist.

    Explicit ids leave PostgreSQL's sequence behind, so it is moved past them afterwards.
    """
    OrgUnit, Place = org_unit_model, place_model
    units = [OrgUnit(pk=NATION_ID, kind="nation", name=NATION_NAME, search_key=search_key(NATION_NAME),
                     path=f"/{NATION_ID}/")]
    for province in Place.objects.using(using).filter(kind="province").order_by("pk"):
        pk = PROVINCE_OFFSET + province.pk
        units.append(OrgUnit(pk=pk, kind="province", name=province.name, search_key=province.search_key,
                             parent_id=NATION_ID, place_id=province.pk, path=f"/{NATION_ID}/{pk}/"))
    for county in Place.objects.using(using).filter(kind="county").order_by("pk"):
        province_unit = PROVINCE_OFFSET + county.province_id
        units.append(OrgUnit(pk=county.pk, kind="county", name=county.name, search_key=county.search_key,
                             parent_id=province_unit, place_id=county.pk,
                             path=f"/{NATION_ID}/{province_unit}/{county.pk}/"))
    OrgUnit.objects.using(using).bulk_create(units, batch_size=500)
    connection = connections[using]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [OrgUnit]):
            cursor.execute(sql)
    return len(units)
