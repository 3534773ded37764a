"""An institution officer's desk: the referrals sent to her institution (desk requests of kind "referral"),
answered on a page she can open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mardom.conftest import world_state
from mardom.desk.models import Request
from mardom.orgs import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank_officer(qaenat_world, make_user, make_person):
    w = qaenat_world
    return make_user(make_person(w.county), roles=[("institution_officer", w.institution)])


@pytest.fixture
def other_bank(qaenat_world):
    w = qaenat_world
    return services.institution_create(by=w.officer, county=w.county, name="بانک ملی قاین", place=w.village,
                                       type="bank_branch", bank="melli")


def test_her_page_lists_what_was_sent_to_her_institution_only(client, qaenat_world, bank_officer, other_bank):
    w = qaenat_world
    elsewhere = services.referral_create(by=w.officer, from_unit=w.base, to_unit=other_bank, need="loan",
                                         subject="وام قالی")
    client.force_login(bank_officer)
    response = client.get(reverse("orgs:referrals"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"]] == [w.referral.pk]
    body = response.content.decode()
    assert "وام دام" in body and elsewhere.subject not in body
    assert reverse("orgs:referral-status", args=[w.referral.pk]) in body  # she may answer it here
    # Her home page lists it once, in her inbox (a referral is a desk request), and links to this page.
    home = client.get(reverse("home")).content.decode()
    assert 'data-test="home-referrals"' not in home and 'data-test="home-inbox"' in home
    assert home.count("وام دام") == 1 and reverse("orgs:referrals") in home


def test_answering_brings_her_back_to_a_page_she_can_open(client, qaenat_world, bank_officer):
    w = qaenat_world
    client.force_login(bank_officer)
    response = client.post(reverse("orgs:referral-status", args=[w.referral.pk]),
                           {"status": "accepted", "answer": "پرونده تشکیل شد"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:referrals")  # was the base's page, a 404 for her
    assert client.get(response["Location"]).status_code == 200
    referral = Request.objects.get(pk=w.referral.pk)
    assert referral.status == "in_review"
    assert referral.steps.get(action="receive").note == "پرونده تشکیل شد"


def test_the_county_officer_still_goes_back_to_the_base(client, qaenat_world):
    w = qaenat_world
    client.force_login(w.officer)
    response = client.post(reverse("orgs:referral-status", args=[w.referral.pk]),
                           {"status": "accepted", "said_by": "آقای رحیمی", "channel": "phone"})
    assert response["Location"] == reverse("orgs:detail", args=["bases", w.base.pk])
    assert Request.objects.get(pk=w.referral.pk).status == "in_review"


def test_another_institutions_officer_neither_sees_nor_answers(client, qaenat_world, other_bank, make_user,
                                                              make_person):
    w = qaenat_world
    stranger = make_user(make_person(w.county), roles=[("institution_officer", other_bank)])
    client.force_login(stranger)
    assert list(client.get(reverse("orgs:referrals")).context["page"]) == []
    assert "وام دام" not in client.get(reverse("home")).content.decode()
    before = world_state(w)
    response = client.post(reverse("orgs:referral-status", args=[w.referral.pk]), {"status": "accepted"})
    assert response.status_code in (403, 404)
    assert world_state(w) == before


@pytest.mark.parametrize("who", ["plain_user", "birjand_officer", "base_officer"])
def test_people_without_referrals_to_answer_do_not_see_them(request, client, qaenat_world, who):
    # The page is for the units that answer (desk.answer); officers follow referrals on their bases' pages.
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("orgs:referrals"))
    assert response.status_code == 403
    assert "وام دام" not in response.content.decode()


def test_bad_filters_are_ignored(client, qaenat_world, bank_officer):
    client.force_login(bank_officer)
    assert client.get(reverse("orgs:referrals"), {"status": "<x>", "page": "zz"}).status_code == 200
    assert client.get(reverse("orgs:referrals"), {"status": "submitted"}).context["status"] == "submitted"
    assert client.get(reverse("orgs:referrals"), {"status": "answered"}).context["page"].object_list == []


def test_her_page_costs_the_same_with_more_referrals(client, qaenat_world, bank_officer,
                                                    django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = qaenat_world
    client.force_login(bank_officer)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("orgs:referrals"))
    for i in range(8):
        services.referral_create(by=w.officer, from_unit=w.base, to_unit=w.institution, need="loan",
                                 subject=f"وام {i}", person=w.person)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("orgs:referrals"))
    assert len(response.context["page"].object_list) == 9
    assert all(row.answers for row in response.context["page"].object_list)  # hers to answer, in Mardom
