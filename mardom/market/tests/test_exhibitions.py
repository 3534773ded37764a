"""Exhibitions through their services and pages: founding one, the floor plan, applications, allocation by
the published rules with its fairness report and SMS, and who may do what."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import resolve, reverse

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry, Notification
from mardom.market import services
from mardom.market.models import AllocationRun, Application, Booth, Exhibition
from mardom.production import services as production

STARTED = datetime.date(2018, 3, 21)
TODAY = datetime.date(2026, 11, 25)
OPENS = datetime.date(2026, 12, 10)


@pytest.fixture
def world(saffron_growers, make_user, qaenat, county_officer, birjand_officer, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC), tick=False)
    grown = saffron_growers(n=5)  # four in the cluster's colonies, the fifth in none
    saffron, people, growers, colonies = grown.saffron, grown.people, grown.growers, grown.colonies
    production.advantaged_add(by=county_officer, region=qaenat, product=saffron)
    exhibition = services.exhibition_create(
        by=county_officer, county=qaenat, name="نمایشگاه اقتصاد به دست مردم", type="seasonal",
        venue="سالن ورزشی قاین", starts_on=OPENS, ends_on=OPENS + datetime.timedelta(days=5),
        applications_close_on=OPENS - datetime.timedelta(days=3))
    booths = [services.booth_add(by=county_officer, exhibition=exhibition, code=f"A{i + 1}", x=i * 3, y=0,
                                 width=3, depth=2, price=0 if i else 5_000_000) for i in range(2)]
    return SimpleNamespace(saffron=saffron, growers=growers, users=[make_user(p) for p in people],
                           exhibition=exhibition, booths=booths, colonies=colonies)


def apply(w, i, **kw):
    return services.application_submit(by=w.users[i], exhibition=w.exhibition, term_start=OPENS,
                                       applicant=w.growers[i], products="زعفران", **kw)


@pytest.mark.parametrize(("change", "field"), [
    ({"name": " "}, "name"), ({"venue": ""}, "venue"), ({"type": "weekly"}, "type"),
    ({"ends_on": OPENS - datetime.timedelta(days=1)}, "ends_on"),
    ({"applications_close_on": OPENS + datetime.timedelta(days=1)}, "applications_close_on"),
    ({"type": "permanent", "term_days": None}, "term_days"),
    ({"rules": {"cluster_member": 500}}, "rules"),
])
def test_bad_exhibitions_change_nothing(world, qaenat, county_officer, change, field):
    kwargs = {"name": "نمایشگاه", "type": "seasonal", "venue": "سالن", "starts_on": OPENS,
              "ends_on": OPENS, "applications_close_on": OPENS, **change}
    with pytest.raises(DomainError) as error:
        services.exhibition_create(by=county_officer, county=qaenat, **kwargs)
    assert error.value.field == field and Exhibition.objects.count() == 1


def test_only_the_countys_organisers_run_an_exhibition(world, qaenat, birjand_officer, make_user, make_person):
    with pytest.raises(PermissionDenied):
        services.exhibition_create(by=birjand_officer, county=qaenat, name="x", type="seasonal", venue="x",
                                   starts_on=OPENS, ends_on=OPENS, applications_close_on=OPENS)
    with pytest.raises(PermissionDenied):
        services.booth_add(by=birjand_officer, exhibition=world.exhibition, code="B1", x=10, y=10, width=1, depth=1)
    organiser = make_user(make_person(qaenat), roles=[("exhibition_organiser", world.exhibition)])
    services.booth_add(by=organiser, exhibition=world.exhibition, code="B1", x=10, y=10, width=2, depth=2)


@pytest.mark.parametrize(("x", "y", "width", "depth", "code"), [
    (1, 1, 2, 2, "C1"),    # overlaps A1
    (23, 0, 2, 1, "C2"),   # off the plan
    (5, 5, 0, 1, "C3"),    # no width
    (9, 9, 1, 1, "a1"),    # the code is taken (codes are upper-cased)
])
def test_bad_booths_change_nothing(world, county_officer, x, y, width, depth, code):
    with pytest.raises(DomainError):
        services.booth_add(by=county_officer, exhibition=world.exhibition, code=code, x=x, y=y, width=width,
                           depth=depth)
    assert Booth.objects.count() == 2


def test_applications_are_checked(world, birjand, birjand_village, birjand_officer, make_person, make_user):
    apply(world, 0)
    with pytest.raises(DomainError):  # the same producer twice in a term
        apply(world, 0)
    with pytest.raises(PermissionDenied):  # for someone else
        services.application_submit(by=world.users[1], exhibition=world.exhibition, term_start=OPENS,
                                    applicant=world.growers[0], products="x")
    with pytest.raises(DomainError):  # not a term of the exhibition
        services.application_submit(by=world.users[1], exhibition=world.exhibition, term_start=TODAY,
                                    applicant=world.growers[1], products="x")
    with pytest.raises(DomainError):  # nothing to show
        services.application_submit(by=world.users[1], exhibition=world.exhibition, term_start=OPENS,
                                    applicant=world.growers[1], products=" ")
    assert Application.objects.count() == 1


def test_allocation_follows_the_published_rules_and_tells_everyone(world, county_officer):
    for i in range(5):
        apply(world, i, free_only=i == 4)
    run = services.allocate(by=county_officer, exhibition=world.exhibition, term_start=OPENS)
    allocated = Application.objects.filter(status="allocated")
    assert allocated.count() == 2 and Application.objects.filter(status="waitlisted").count() == 3
    # Cluster members (the first four) with the advantaged product outrank the fifth, who is in no colony.
    assert set(allocated.values_list("producer_id", flat=True)) <= {g.pk for g in world.growers[:4]}
    assert all(a.score is not None and a.score_parts for a in Application.objects.all())
    assert {row[0] for row in run.report["rows"]} >= {"cluster_member", "advantaged"}
    assert Notification.objects.filter(key__startswith="booth-decision-").count() == 5
    with pytest.raises(DomainError):  # a term is allocated once
        services.allocate(by=county_officer, exhibition=world.exhibition, term_start=OPENS)
    assert AllocationRun.objects.count() == 1
    assert AuditEntry.objects.filter(action="exhibition.allocate").count() == 1


def test_the_allocation_is_repeatable_from_the_published_seed(world, county_officer):
    for i in range(5):
        apply(world, i)
    run = services.allocate(by=county_officer, exhibition=world.exhibition, term_start=OPENS)
    assert run.seed == f"mardom-booths-{world.exhibition.pk}-{OPENS.isoformat()}"
    from decimal import Decimal

    from mardom.market import allocation

    rows = [allocation.Applicant(id=a.pk, kind=a.kind, cluster_member=dict(a.score_parts).get("cluster_member", 0) > 0,
                                 loan_recipient=False, advantaged=dict(a.score_parts).get("advantaged", 0) > 0,
                                 past_wins=0, applied_at=a.applied_at) for a in Application.objects.all()]
    again = allocation.allocate(rows, [allocation.Booth(id=b.pk, code=b.code, size=Decimal(b.size), price=b.price)
                                       for b in world.booths], allocation.Rules(**run.rules, seed=run.seed))
    assert again.order == run.report["order"]


def test_rotation_lowers_last_years_winners(world, county_officer, qaenat):
    """Winners of an earlier exhibition in the county lose points this time."""
    apply(world, 0)
    services.allocate(by=county_officer, exhibition=world.exhibition, term_start=OPENS)
    later = services.exhibition_create(
        by=county_officer, county=qaenat, name="نمایشگاه بهاره", type="seasonal", venue="سالن",
        starts_on=OPENS + datetime.timedelta(days=60), ends_on=OPENS + datetime.timedelta(days=63),
        applications_close_on=OPENS + datetime.timedelta(days=50))
    services.booth_add(by=county_officer, exhibition=later, code="A1", x=0, y=0, width=2, depth=2)
    for i in (0, 1):
        services.application_submit(by=world.users[i], exhibition=later, term_start=later.starts_on,
                                    applicant=world.growers[i], products="زعفران")
    services.allocate(by=county_officer, exhibition=later, term_start=later.starts_on)
    second = Application.objects.filter(exhibition=later)
    winner = second.get(status="allocated")
    assert winner.producer_id == world.growers[1].pk
    assert ["rotation", -15] in second.get(producer=world.growers[0]).score_parts


# --- pages --------------------------------------------------------------------------------------------------

def test_pages_flow(world, client, county_officer):
    client.force_login(world.users[0])
    page = client.get(reverse("market:exhibition", args=[world.exhibition.pk])).content.decode()
    assert 'data-test="floor-plan"' in page and 'data-test="apply-form"' in page and "A1" in page
    assert 'data-test="booth-form"' not in page and 'data-test="allocate-form"' not in page
    response = client.post(reverse("market:apply", args=[world.exhibition.pk]), {
        "applicant": f"producer:{world.growers[0].pk}", "term_start": OPENS.isoformat(), "products": ""})
    assert response.status_code == 400 and Application.objects.count() == 0
    response = client.post(reverse("market:apply", args=[world.exhibition.pk]), {
        "applicant": f"producer:{world.growers[0].pk}", "term_start": OPENS.isoformat(), "products": "زعفران",
        "wants_size": "۶"})
    assert response.status_code == 302 and Application.objects.get().wants_size == 6
    response = client.post(reverse("market:apply", args=[world.exhibition.pk]), {
        "applicant": f"producer:{world.growers[1].pk}", "term_start": OPENS.isoformat(), "products": "x"})
    assert response.status_code == 400  # not hers to choose
    client.force_login(county_officer)
    response = client.post(reverse("market:booth-add", args=[world.exhibition.pk]),
                           {"code": "B2", "x": "۱", "y": "۱", "width": "۲", "depth": "۲"})
    assert response.status_code == 400 and "A1" in response.content.decode()  # overlaps A1
    response = client.post(reverse("market:allocate", args=[world.exhibition.pk]), {"term_start": OPENS.isoformat()})
    assert response.status_code == 302
    page = client.get(reverse("market:exhibition", args=[world.exhibition.pk])).content.decode()
    assert 'data-test="fairness"' in page


def test_creating_an_exhibition_through_the_page(client, county_officer, qaenat, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC), tick=False)
    client.force_login(county_officer)
    data = {"county": qaenat.pk, "name": "نمایشگاه دائمی قاین", "type": "permanent", "venue": "بازارچه",
            "starts_on": "۱۴۰۵/۰۹/۱۰", "ends_on": "۱۴۰۶/۰۹/۱۰", "applications_close_on": "۱۴۰۵/۰۹/۰۹",
            "term_days": "۳۰", "w_cluster_member": "30", "w_loan_recipient": "20", "w_advantaged": "25",
            "w_rotation_penalty": "15", "w_max_penalty": "60"}
    response = client.post(reverse("market:exhibition-create"), data)
    exhibition = Exhibition.objects.get()
    assert response.status_code == 302 and len(services.terms_of(exhibition)) == 13
    response = client.post(reverse("market:exhibition-create"), {**data, "term_days": ""})
    assert response.status_code == 400 and Exhibition.objects.count() == 1


def urls(w):
    return [
        ("post", reverse("market:booth-add", args=[w.exhibition.pk]),
         {"code": "Z9", "x": "20", "y": "10", "width": "1", "depth": "1"}),
        ("post", reverse("market:allocate", args=[w.exhibition.pk]), {"term_start": OPENS.isoformat()}),
        ("post", reverse("market:apply", args=[w.exhibition.pk]),
         {"applicant": f"producer:{w.growers[0].pk}", "term_start": OPENS.isoformat(), "products": "x"}),
        ("post", reverse("market:visitors", args=[w.exhibition.pk]), {"day": "۱۴۰۵/۰۹/۱۹", "visitors": "5"}),
    ]


# A booth's own pages (selling, cancelling, its daily report) are tried as another seller, the organiser and
# a stranger in test_sales.test_the_phone_page, on a booth that is running.
BOOTH_PAGES = {"booth", "sale-cancel", "booth-report"}
# The storefront's fake payment page is public and tried in test_shop.
SHOP_PAGES = {"fake-gateway"}


def test_every_market_url_is_covered(world):
    from mardom.market.urls import urlpatterns

    covered = {resolve(url).url_name for _m, url, _d in urls(world)}
    # The list, the page and the form to create are open to every signed-in user (exhibitions are public
    # events); creating is refused below.
    assert covered | BOOTH_PAGES | SHOP_PAGES | {"exhibitions", "exhibition", "exhibition-create"} == {
        p.name for p in urlpatterns}


@pytest.mark.parametrize("who", ["birjand", "plain"])
def test_others_cannot_run_or_apply_for_someone_else(world, client, who, birjand_officer, plain_user):
    client.force_login(birjand_officer if who == "birjand" else plain_user)
    before = Booth.objects.count(), Application.objects.count(), AllocationRun.objects.count()
    for _method, url, data in urls(world):
        assert client.post(url, data).status_code in (400, 403, 404), url
    assert (Booth.objects.count(), Application.objects.count(), AllocationRun.objects.count()) == before
    if who == "plain":
        assert client.get(reverse("market:exhibition-create")).status_code == 403
    page = client.get(reverse("market:exhibition", args=[world.exhibition.pk])).content.decode()
    assert 'data-test="booth-form"' not in page and world.growers[0].person.national_id not in page
