"""Ids past 2^63 from a select, a hidden input or the address: a field error, a 404 or a 400, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from mardom.conftest import next_national_id
from mardom.core.lookups import fits
from mardom.core.middleware import OverflowIsBadRequestMiddleware
from mardom.funds.models import Fund
from mardom.orgs.models import OrgUnit
from mardom.people.models import Person, RoleAssignment

HUGE = [str(2**63), str(2**64 + 5), "9" * 30, str(-(2**63) - 1)]


@pytest.fixture
def strict_client() -> Client:
    # A 500 is reported as a status (as a person would see it), not raised into the test.
    return Client(raise_request_exception=False)


def test_fits_is_the_64_bit_range():
    assert fits(2**63 - 1) and fits(-(2**63)) and fits("x") and fits(True)
    assert not fits(2**63) and not fits(-(2**63) - 1)


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE)
def test_lookups_through_relations_match_nothing(value):
    from mardom.brands.models import Brand

    assert list(Brand.objects.filter(pk=value)) == []  # the parent link is a one-to-one relation
    assert list(OrgUnit.objects.filter(parent_id=value)) == []
    assert list(OrgUnit.objects.filter(pk__in=[value])) == []
    assert list(OrgUnit.objects.filter(parent__in=[value])) == []
    nation = OrgUnit.objects.order_by("pk").first()
    assert list(OrgUnit.objects.filter(pk__in=[value, nation.pk])) == [nation]
    assert OrgUnit.objects.exclude(pk__in=[value]).count() == OrgUnit.objects.count()


@pytest.mark.parametrize("value", HUGE)
def test_a_select_past_2_63_is_a_field_error(strict_client, base_officer, base, value):
    """FundForm's host base is a select over Base, a child of OrgUnit: its id is a relation."""
    strict_client.force_login(base_officer)
    before = Fund.objects.count()
    response = strict_client.post(reverse("funds:create"), {
        "name": "صندوق آزمون", "base": value, "founded_on": "۱۴۰۳/۰۱/۰۱", "monthly_contribution": "۵۰٬۰۰۰",
        "min_months_before_loan": "6", "loan_savings_multiple": "3", "loan_cap": "30000000", "max_months": "24",
        "fee_policy": "none", "fee_permille": "0", "fee_cap_permille": "40", "late_policy": "none",
        "rounding_unit": "1000"})
    assert response.status_code == 200
    assert 'class="field invalid" data-field="base"' in response.content.decode()
    assert Fund.objects.count() == before


@pytest.mark.parametrize("value", HUGE)
def test_a_hidden_id_past_2_63_changes_nothing(strict_client, county_officer, qaenat_village, value):
    """The person form's desk is hidden when the officer has one desk; the home place is a hidden id too."""
    strict_client.force_login(county_officer)
    before = Person.objects.count()
    data = {"national_id": next_national_id(), "first_name": "علی", "last_name": "کاظمی", "mobile": "09151112233",
            "gender": "male", "home_place": str(qaenat_village.pk), "desk": value}
    assert strict_client.post(reverse("people:create"), data).status_code == 200
    assert strict_client.post(reverse("people:create"), {**data, "home_place": value}).status_code == 200
    assert Person.objects.count() == before


@pytest.mark.parametrize("value", HUGE[:2])
def test_a_role_unit_past_2_63_is_refused(strict_client, qaenat_world, value):
    w = qaenat_world
    strict_client.force_login(w.officer)
    before = RoleAssignment.objects.count()
    response = strict_client.post(reverse("people:role-grant", args=[w.person.pk]),
                                  {"role": "base_officer", "unit": value})
    assert response.status_code == 400 and RoleAssignment.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE[:2])
def test_an_id_in_the_address_past_2_63_is_not_found(strict_client, value):
    assert strict_client.get(f"/brands/{value}/logo/").status_code == 404


def test_any_other_overflow_is_a_400_with_the_persian_page(rf: RequestFactory):
    middleware = OverflowIsBadRequestMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    response = middleware.process_exception(rf.get("/"), OverflowError("date value out of range"))
    assert response is not None and response.status_code == 400
    assert middleware.process_exception(rf.get("/"), ValueError("x")) is None
