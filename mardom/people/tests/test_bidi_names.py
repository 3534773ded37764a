"""Bidi controls never reach a stored name or title (U+202E would make a name read as another)."""

from __future__ import annotations

import datetime

from mardom.conftest import next_national_id
from mardom.people import services

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_a_persons_name_is_stored_without_bidi_controls(county_officer, qaenat, qaenat_village):
    person = services.person_create(
        by=county_officer, desk=qaenat, national_id=next_national_id(), first_name="\u202eیلع\u202c",
        last_name="\u2067رضایی\u2069", mobile="09151112233", gender="male", home_place=qaenat_village)
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("یلع", "رضایی")
    assert not set(BIDI) & set(person.search_key)


def test_an_exhibitions_name_and_venue_are_stored_without_bidi_controls(county_officer, qaenat):
    from mardom.market import services as market

    exhibition = market.exhibition_create(
        by=county_officer, county=qaenat, name="\u202eنمایشگاه\u202c قاین", type="seasonal", venue="\u2066سالن\u2069",
        starts_on=datetime.date(2026, 12, 10), ends_on=datetime.date(2026, 12, 14),
        applications_close_on=datetime.date(2026, 12, 8))
    exhibition.refresh_from_db()
    assert exhibition.name == "نمایشگاه قاین" and exhibition.venue == "سالن"
