"""The shared pager: the audit log pages by the last row seen (its hundredth page costs what the first does),
keeps its filters, and takes any `before` without a 500 or a peek outside the scope."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mardom.core.models import AuditEntry
from mardom.orgs import services as org_services

URL = reverse("audit")


@pytest.fixture
def bases(county_officer, qaenat):
    return [org_services.base_create(by=county_officer, county=qaenat, name=f"پایگاه {i}", place=None)
            for i in range(55)]


def older_link(body):
    match = re.search(r'href="\?([^"]*before=(\d+))" rel="next"', body)
    return match and match.group(1).replace("&amp;", "&")


def test_the_audit_log_pages_by_keyset_in_a_fixed_number_of_queries(client, county_officer, bases,
                                                                       django_assert_max_num_queries):
    client.force_login(county_officer)
    with django_assert_max_num_queries(12):
        first = client.get(URL, {"kind": "orgs"})
    rows = first.context["page"].object_list
    assert len(rows) == 50
    link = older_link(first.content.decode())
    assert link.startswith("kind=orgs&before=")
    with django_assert_max_num_queries(12):
        second = client.get(f"{URL}?{link}")
    older = second.context["page"].object_list
    assert {e.pk for e in rows}.isdisjoint(e.pk for e in older)
    assert len(rows) + len(older) == AuditEntry.objects.filter(action="base.create").count() == 55
    assert older_link(second.content.decode()) is None
    assert 'data-test="pager-newest"' in second.content.decode()


@pytest.mark.parametrize("before", ["abc", "-1", "0", "9" * 30, "۱۲", "1.5", ""])
def test_any_before_is_the_first_page_not_a_500(client, county_officer, bases, before):
    client.force_login(county_officer)
    response = client.get(URL, {"before": before})
    assert response.status_code == 200
    assert response.context["page"].is_first and len(response.context["page"].object_list) == 50


def test_a_before_outside_the_scope_reveals_nothing(client, birjand_officer, county_officer, bases, birjand):
    """An entry of Qaenat named by a Birjand officer is not an anchor: she gets her own first page."""
    org_services.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=None)
    qaenat_entry = AuditEntry.objects.filter(scope_path__startswith=bases[0].path).first()
    client.force_login(birjand_officer)
    page = client.get(URL, {"before": qaenat_entry.pk}).context["page"]
    assert page.is_first
    assert all(e.scope_path.startswith(birjand.path) for e in page.object_list)
