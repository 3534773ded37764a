"""National IDs on the production pages find only people within the actor's reach (people.lookup)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mardom.conftest import confirm_proposals
from mardom.core.jalali import format_jalali
from mardom.people.tests.lookup_checks import check_national_id_form
from mardom.production import services
from mardom.production.models import JobAgreement, JobLeader, Producer, Product
from mardom.production.services import jobs


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


@pytest.fixture
def stranger(make_person, birjand):
    return make_person(birjand, first_name="گلنار", last_name="بیرجندی‌تبار")


def test_an_officer_registers_a_producer_of_another_county_only_with_her_consent(
        client, django_capture_on_commit_callbacks, county_officer, qaenat, qaenat_village, saffron, stranger,
        make_person):
    check_national_id_form(
        client, django_capture_on_commit_callbacks, actor=county_officer, url=reverse("production:producer-create"),
        data=lambda nid: {"national_id": nid, "kind": "home", "place": qaenat_village.pk, "activities": "کاشت زعفران",
                          "started_on": "1400/01/01", "baseline_sales": "1000", "product_1": str(saffron.pk),
                          "capacity_1": "10"},
        foreign=stranger, local=make_person(qaenat),
        made=lambda: sorted(Producer.objects.values_list("person_id", flat=True)))
    assert Producer.objects.filter(person=stranger, unit=qaenat).exists()


def test_a_job_leader_manager_of_another_county_only_with_his_consent(
        client, django_capture_on_commit_callbacks, county_officer, qaenat, stranger, make_person):
    check_national_id_form(
        client, django_capture_on_commit_callbacks, actor=county_officer,
        url=reverse("production:job-leader-create"),
        data=lambda nid: {"county": qaenat.pk, "name": f"کارگاه {nid}", "national_id": nid, "functions": ["sales"]},
        foreign=stranger, local=make_person(qaenat),
        made=lambda: sorted(JobLeader.objects.values_list("owner_id", flat=True)))
    assert JobLeader.objects.filter(owner=stranger).exists()


def test_a_job_leader_signs_with_a_producer_of_another_county_only_with_her_consent(
        client, django_capture_on_commit_callbacks, county_officer, province_officer, birjand_officer, qaenat,
        qaenat_village, birjand_village, saffron, stranger, make_person, make_user):
    owner = make_person(qaenat)
    owner_user = make_user(owner)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="تعاونی زعفران",
                                      functions=["sales"])
    confirm_proposals(owner_user, by=province_officer)  # the job leader's role needs a second officer
    owner_user.refresh_from_db()

    def grower(by, person, place):
        return services.producer_register(by=by, person=person, place=place, activities="کاشت زعفران",
                                          started_on=datetime.date(2020, 3, 20), baseline_sales=1,
                                          products=[(saffron, 10)])

    grower(birjand_officer, stranger, birjand_village)
    near = grower(county_officer, make_person(qaenat), qaenat_village)
    check_national_id_form(
        client, django_capture_on_commit_callbacks, actor=owner_user,
        url=reverse("production:agreement-create", args=[leader.pk]),
        data=lambda nid: {"national_id": nid, "product": saffron.pk, "pricing": "purchase", "rate_a": "10",
                          "starts_on": format_jalali(timezone.localdate())},
        foreign=stranger, local=near.person,
        made=lambda: sorted(JobAgreement.objects.values_list("producer__person_id", flat=True)))
    assert JobAgreement.objects.filter(job_leader=leader, producer__person=stranger).exists()


def test_the_colony_field_does_not_tell_another_countys_producer_from_nobody(
        client, county_officer, saffron_growers, birjand_officer, birjand_village, stranger, saffron):
    """It already looks only among the producers of the colony's county (selectors.producer_for_colony):
    someone registered elsewhere gets the answer nobody gets."""
    from mardom.conftest import next_national_id
    from mardom.people.tests.lookup_checks import assert_same, page

    services.producer_register(by=birjand_officer, person=stranger, place=birjand_village, activities="زعفران",
                               started_on=datetime.date(2020, 3, 20), baseline_sales=1, products=[(saffron, 10)])
    world = saffron_growers(4)
    colony = world.colonies[0]
    client.force_login(county_officer)
    url = reverse("production:colony-member-add", args=[colony.pk])
    nobody = next_national_id()
    far, none = client.post(url, {"national_id": stranger.national_id}), client.post(url, {"national_id": nobody})
    assert far.status_code == none.status_code == 400
    assert_same(page(far, stranger.national_id), page(none, nobody))
    assert stranger.last_name not in far.content.decode()
