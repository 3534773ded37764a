"""National IDs on the funds pages find only people within the treasurer's reach (people.lookup)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from mardom.core.jalali import format_jalali
from mardom.funds import services
from mardom.funds.models import Membership
from mardom.funds.tests.conftest import FOUNDED, RULES
from mardom.people.tests.lookup_checks import check_national_id_form, not_in_scope_message


@pytest.fixture
def stranger(make_person, birjand):
    return make_person(birjand, first_name="گلنار", last_name="بیرجندی‌تبار")


def test_enrolling_a_person_of_another_county_needs_her_consent(client, django_capture_on_commit_callbacks, treasurer,
                                                                 fund, make_person, base, stranger):
    check_national_id_form(
        client, django_capture_on_commit_callbacks, actor=treasurer, url=reverse("funds:join", args=[fund.pk]),
        data=lambda nid: {"national_id": nid, "opening_deposit": "100000",
                          "joined_on": TODAY(),
                          "request_id": str(uuid.uuid5(uuid.NAMESPACE_OID, nid))},
        foreign=stranger, local=make_person(base),
        made=lambda: sorted(Membership.objects.filter(fund=fund).values_list("person_id", flat=True)))
    assert Membership.objects.filter(fund=fund, person=stranger).exists()


def test_transferring_to_a_person_of_another_county_needs_her_consent(client, django_capture_on_commit_callbacks,
                                                                       treasurer, fund, join, stranger, base_officer):
    member = join(3_000_000)
    _allow_transfer(fund, base_officer)
    check_national_id_form(
        client, django_capture_on_commit_callbacks, actor=treasurer, url=reverse("funds:transfer", args=[member.pk]),
        data=lambda nid: {"national_id": nid, "on": TODAY(), "request_id": str(uuid.uuid5(uuid.NAMESPACE_OID,
                                                                                                nid))},
        foreign=stranger,
        made=lambda: sorted(Membership.objects.filter(fund=fund).values_list("person_id", "status")))
    assert Membership.objects.filter(fund=fund, person=stranger, status=Membership.Status.ACTIVE).exists()


def test_transfer_within_reach_needs_no_code(client, treasurer, fund, join, make_person, base, base_officer):
    member = join(3_000_000)
    _allow_transfer(fund, base_officer)
    heir = make_person(base)
    client.force_login(treasurer)
    response = client.post(reverse("funds:transfer", args=[member.pk]),
                           {"national_id": heir.national_id, "on": TODAY(), "request_id": str(uuid.uuid4())})
    assert response.status_code == 302
    assert Membership.objects.filter(fund=fund, person=heir, status=Membership.Status.ACTIVE).exists()


def test_a_treasurer_of_two_funds_reaches_only_the_county_of_the_fund_at_hand(
        client, treasurer, fund, make_person, make_user, birjand, birjand_officer, birjand_village):
    """Holding a Birjand fund too does not let the Qaenat fund's form find Birjand people."""
    from mardom.orgs import services as orgs
    from mardom.people.models import RoleAssignment

    birjand_base = orgs.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=birjand_village)
    other = services.fund_create(by=birjand_officer, base=birjand_base, name="صندوق بیرجند", founded_on=FOUNDED,
                                 rules=RULES)
    RoleAssignment.objects.create(user=treasurer, role="fund_treasurer", unit=other)
    person = make_person(birjand)
    client.force_login(treasurer)
    data = {"national_id": person.national_id, "opening_deposit": "100000", "joined_on": TODAY()}
    response = client.post(reverse("funds:join", args=[fund.pk]), {**data, "request_id": str(uuid.uuid4())})
    assert response.status_code == 200 and not_in_scope_message() in response.content.decode()
    assert not Membership.objects.filter(person=person).exists()
    response = client.post(reverse("funds:join", args=[other.pk]), {**data, "request_id": str(uuid.uuid4())})
    assert response.status_code == 302 and Membership.objects.filter(fund=other, person=person).exists()


def _allow_transfer(fund, base_officer):
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, allow_transfer=True))


def TODAY() -> str:
    return format_jalali(timezone.localdate())
