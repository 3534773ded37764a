"""Members see the payout queue: their own place with its amount, the others' places without name or amount,
and the rule that orders it. Outsiders get 404."""

from __future__ import annotations

from django.urls import reverse

from mardom.funds import services
from mardom.funds.models import Loan

from .test_loans import _now, approved_loan, world  # noqa: F401  (world is a fixture)


def test_a_member_sees_her_place_and_only_the_kind_of_the_others(client, world):
    mine = approved_loan(world, 5_000_000)
    emergency = services.loan_apply(by=world["treasurer"], membership=world["other"], amount=1_234_000, months=5,
                                    purpose="medical", priority=Loan.Priority.EMERGENCY, now=_now())
    services.loan_propose(by=world["treasurer"], loan=emergency, now=_now())
    services.loan_decide(by=world["manager"], loan=emergency, approve=True)

    client.force_login(world["borrower_user"])
    response = client.get(reverse("funds:queue", args=[world["fund"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    places = response.context["places"]
    assert [(p.position, p.mine) for p in places] == [(1, False), (2, True)]  # the emergency went ahead
    assert places[1].amount == mine.amount and places[0].amount is None and places[0].loan_id is None
    other = world["other"].person
    assert other.full_name not in html  # no private detail of the others
    assert reverse("funds:loan", args=[emergency.pk]) not in html
    assert reverse("funds:loan", args=[mine.pk]) in html
    assert 'data-test="my-place"' in html and "اضطراری" in html
    assert "نخست وام‌های اضطراری" in html  # the page says how the queue is ordered
    assert "۲" in html


def test_her_application_waiting_for_approval_is_explained(client, world):
    loan = services.loan_apply(by=world["borrower_user"], membership=world["borrower"], amount=2_000_000, months=5,
                               purpose="other", now=_now())
    client.force_login(world["borrower_user"])
    response = client.get(reverse("funds:queue", args=[world["fund"].pk]))
    assert list(response.context["waiting"]) == [loan]
    assert "هنوز در نوبت نیست" in response.content.decode()


def test_the_queue_is_closed_to_people_outside_the_fund(client, world, make_user, make_person, birjand):
    approved_loan(world, 5_000_000)
    url = reverse("funds:queue", args=[world["fund"].pk])
    outsider = make_user(make_person(birjand), roles=[("county_officer", birjand)])
    nobody = make_user(make_person(birjand))
    for user in (outsider, nobody):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_queue_page_costs_the_same_for_a_longer_queue(client, world, django_assert_max_num_queries):
    approved_loan(world, 5_000_000)
    client.force_login(world["borrower_user"])
    url = reverse("funds:queue", args=[world["fund"].pk])
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
