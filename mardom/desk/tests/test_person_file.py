"""The person's file (پرونده): who opens it, what each viewer sees of it, the national-ID lookup, the audit
of officers' openings, and its cost."""

from __future__ import annotations

import datetime
import itertools
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mardom.core.models import AuditEntry
from mardom.funds import services as fund_services
from mardom.funds.models import Guarantee, Loan, Membership
from mardom.funds.tests.conftest import FOUNDED, RULES, fund, join, treasurer  # noqa: F401  (fixtures, by name)
from mardom.funds.tests.test_loans import TODAY, approved_loan
from mardom.funds.tests.test_loans import world as world  # a fixture, used by name

pytestmark = pytest.mark.django_db

# The file is read some weeks after the loan was paid out: one installment repaid, the next one due.
READ_ON = datetime.datetime(2024, 12, 20, 9, 0, tzinfo=datetime.UTC)
FROM = datetime.date(2024, 3, 21)
_names = itertools.count(1)
SECTIONS = ("funds", "production", "colonies", "jobs", "brands", "market", "shop")


def _rich(world: dict[str, Any], *, county_officer: Any, qaenat: Any, qaenat_village: Any, saffron_growers: Any,
          make_person: Any) -> SimpleNamespace:
    """The fund world's borrower with something in every section, made through the services: a paid-out loan
    (one repayment) guaranteed by another member, a saffron producer registration in a colony of the county's
    cluster, an agreement with a job leader, a brand authorisation, an exhibition application, a listing."""
    from mardom.brands import services as brands
    from mardom.market import services as market
    from mardom.production import services as production
    from mardom.production.services import jobs

    loan = approved_loan(world, 20_000_000)
    loan = fund_services.loan_disburse(by=world["treasurer"], loan=loan, on=TODAY, idempotency_key="d1",
                                       today=TODAY)
    paid_on = TODAY + datetime.timedelta(days=30)
    fund_services.loan_repay(by=world["treasurer"], loan=loan, amount=2_000_000, paid_on=paid_on,
                             idempotency_key="r1", today=paid_on)
    user, person = world["borrower_user"], world["borrower"].person
    grow = saffron_growers(n=4)
    producer = production.producer_register(
        by=county_officer, person=person, place=qaenat_village, activities="کاشت زعفران",
        started_on=datetime.date(2019, 3, 21), baseline_sales=80_000_000, products=[(grow.saffron, 20)],
        business_name="زعفران خزاعی")
    production.colony_add_member(by=county_officer, colony=grow.colonies[0], producer=producer)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=make_person(qaenat),
                                      name="تعاونی زعفران", functions=["sales"], products=[grow.saffron])
    agreement = jobs.job_agreement_create(by=county_officer, job_leader=leader, producer=producer,
                                          product=grow.saffron, pricing="purchase", rate_a=900_000, starts_on=FROM)
    brand = brands.brand_create(by=county_officer, owner=grow.cluster, name="زعفران قائنات", specification="سرگل",
                                rules="قواعد", effective_from=FROM)
    authorisation = brands.authorise(by=county_officer, brand=brand, producer=producer, product=grow.saffron,
                                     valid_from=FROM)
    exhibition = market.exhibition_create(
        by=county_officer, county=qaenat, name="نمایشگاه زمستانی قاین", type="seasonal", venue="قاین",
        starts_on=datetime.date(2025, 1, 10), ends_on=datetime.date(2025, 1, 20),
        applications_close_on=datetime.date(2025, 1, 5))
    application = market.application_submit(by=user, exhibition=exhibition, term_start=exhibition.starts_on,
                                            applicant=producer, products="زعفران", now=READ_ON)
    listing = market.listing_create(by=user, authorisation=authorisation, title="زعفران سرگل", pack="۴ گرم",
                                    price=3_000_000, stock=10, today=READ_ON.date())
    return SimpleNamespace(**world, person=person, user=user, loan=loan, grow=grow, producer=producer,
                           leader=leader, agreement=agreement, brand=brand, authorisation=authorisation,
                           exhibition=exhibition, application=application, listing=listing, county=qaenat)


def _pile_up(w: SimpleNamespace, n: int, *, base: Any, base_officer: Any, make_user: Any, make_person: Any) -> None:
    """`n` more rows of every kind in her file, arranged directly: memberships of other funds, old loans and
    guarantees both ways, producer registrations, each in a colony, with an agreement, an authorisation, an
    application and a listing."""
    from mardom.brands.models import Authorisation
    from mardom.market.models import Application, Listing
    from mardom.market.services.shop import listing_search_key
    from mardom.production.models import ColonyMember, JobAgreement, Producer, ProducerProduct

    funds = [fund_services.fund_create(by=base_officer, base=base, name=f"صندوق {next(_names)}",
                                       founded_on=FOUNDED, rules=RULES) for i in range(n)]
    keeper = make_user(make_person(base), roles=[("fund_treasurer", f) for f in funds])
    for i, other_fund in enumerate(funds):
        fund_services.membership_join(by=keeper, fund=other_fund, person=w.person, opening_deposit=1_000_000,
                                      joined_on=FOUNDED, idempotency_key=f"pile-{other_fund.pk}-{i}", today=FOUNDED)
    applied_at = datetime.datetime(2024, 4, 1, 6, 30, tzinfo=datetime.UTC)
    borrower = w.borrower
    for _ in range(n):
        Loan.objects.create(fund=w.fund, membership=borrower, amount=1_000_000, months=5, purpose="other",
                            status=Loan.Status.REJECTED, applied_at=applied_at, applied_by=w.user)
        others = Loan.objects.create(fund=w.fund, membership=w.other, amount=1_000_000, months=5, purpose="other",
                                     status=Loan.Status.REJECTED, applied_at=applied_at, applied_by=w.treasurer)
        Guarantee.objects.create(loan=others, guarantor=borrower, amount=500_000, status="declined")
        Guarantee.objects.create(loan=Loan.objects.create(
            fund=w.fund, membership=borrower, amount=2_000_000, months=5, purpose="other",
            status=Loan.Status.CANCELLED, applied_at=applied_at, applied_by=w.user),
            guarantor=w.other, amount=500_000, status="declined")
    saffron = w.grow.saffron
    for i in range(n):
        producer = Producer.objects.create(
            person=w.person, place=w.producer.place, unit=w.producer.unit, activities="کاشت",
            business_name=f"کارگاه {i}", started_on=datetime.date(2020, 3, 21), baseline_sales=1, status="approved",
            registered_by=base_officer, registered_at=applied_at)
        ProducerProduct.objects.create(producer=producer, product=saffron, capacity=5)
        ColonyMember.objects.create(colony=w.grow.colonies[i % len(w.grow.colonies)], producer=producer,
                                    product=saffron)
        JobAgreement.objects.create(job_leader=w.leader, producer=producer, product=saffron, pricing="purchase",
                                    rate_a=1, created_by=base_officer)
        authorisation = Authorisation.objects.create(brand=w.brand, producer=producer, product=saffron,
                                                     valid_from=FROM, created_by=base_officer)
        Application.objects.create(exhibition=w.exhibition, term_start=w.exhibition.starts_on, kind="producer",
                                   producer=producer, products="زعفران", applied_by=w.user, applied_at=applied_at)
        listing = Listing(authorisation=authorisation, producer=producer, title=f"زعفران {i}", pack="۱ گرم",
                          price=1_000_000, stock=1)
        listing.search_key = listing_search_key(listing)
        listing.save()


@pytest.fixture
def w(world, county_officer, qaenat, qaenat_village, saffron_growers, make_person, time_machine):
    time_machine.move_to(READ_ON, tick=False)
    return _rich(world, county_officer=county_officer, qaenat=qaenat, qaenat_village=qaenat_village,
                 saffron_growers=saffron_growers, make_person=make_person)


def _file(client, user, url):
    client.force_login(user)
    return client.get(url)


def _sections(html: str) -> set[str]:
    return set(re.findall(r'data-test="file-([a-z_]+)"', html)) & set(SECTIONS)


def fa(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _views():
    return AuditEntry.objects.filter(action="person_file.view")


# --- the person herself ---------------------------------------------------------------------------------------

def test_the_person_sees_her_whole_file_in_persian_and_is_not_audited(client, w):
    response = _file(client, w.user, reverse("desk:file-me"))
    assert response.status_code == 200
    html = response.content.decode()
    assert _sections(html) == set(SECTIONS)
    assert w.person.full_name in html and fa(w.person.national_id) in html
    file = response.context["file"]
    funds = next(s for s in file.sections if s.key == "funds")
    loan_row = next(i for g in funds.groups for i in g.items if i.url == reverse("funds:loan", args=[w.loan.pk]))
    # 20,000,000 over ten months, 2,000,000 repaid: 18,000,000 left, the next installment after today.
    assert [f.value for f in loan_row.facts if f.kind == "money"] == [20_000_000, 18_000_000]
    assert [f.value > READ_ON.date() for f in loan_row.facts if f.kind == "date"] == [False, True]
    assert "مانده برای بازپرداخت" in html
    savings = next(f.value for f in funds.facts if f.kind == "money")
    assert savings == Membership.objects.get(pk=w.borrower.pk).savings
    assert reverse("funds:membership", args=[w.borrower.pk]) in html
    assert reverse("production:producer", args=[w.producer.pk]) in html
    assert reverse("production:agreement", args=[w.agreement.pk]) in html
    assert reverse("brands:brand", args=[w.brand.pk]) in html
    assert reverse("shop:listing", args=[w.listing.pk]) in html
    # A member does not open her colony's or cluster's page: they are named, not linked.
    assert fa(w.grow.colonies[0].name) in html
    assert reverse("production:colony", args=[w.grow.colonies[0].pk]) not in html
    assert reverse("production:cluster", args=[w.grow.cluster.pk]) not in html
    assert not _views().exists()


def test_every_link_on_the_file_opens_for_its_viewer(client, w, county_officer):
    for user, url in ((w.user, reverse("desk:file-me")), (county_officer, reverse("desk:file", args=[w.person.pk]))):
        html = _file(client, user, url).content.decode()
        body = html.split('id="main"', 1)[1]  # the page, not the menu
        links = {href for href in re.findall(r'href="(/[^"]*)"', body)}
        assert len(links) > 8
        for link in links:
            assert client.get(link).status_code == 200, (user, link)


def test_her_home_page_links_to_her_file(client, w):
    client.force_login(w.user)
    assert reverse("desk:file-me") in client.get(reverse("home")).content.decode()


def test_her_own_file_by_number_is_her_file_and_not_audited(client, w):
    response = _file(client, w.user, reverse("desk:file", args=[w.person.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("desk:file-me")
    assert not _views().exists()


def test_a_system_account_has_no_file(client, make_user):
    response = _file(client, make_user(None), reverse("desk:file-me"))
    assert response.status_code == 200 and 'data-test="file-none"' in response.content.decode()


def test_anonymous_is_sent_to_login(client, w):
    for url in (reverse("desk:file-me"), reverse("desk:file-lookup"), reverse("desk:file", args=[w.person.pk]),
                reverse("desk:file-section", args=[w.person.pk, "funds"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


# --- officers ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["county", "base", "province", "national", "auditor"])
def test_officers_in_scope_see_the_file_and_each_opening_is_audited(client, w, who, county_officer, base_officer,
                                                                    province_officer, national_officer, auditor):
    user = {"county": county_officer, "base": base_officer, "province": province_officer,
            "national": national_officer, "auditor": auditor}[who]
    url = reverse("desk:file", args=[w.person.pk])
    response = _file(client, user, url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-test="file-funds"' in html and 'data-test="file-identity"' in html
    assert _views().count() == 1
    entry = _views().get()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (user.pk, "people.person", str(w.person.pk))
    assert entry.scope_path == w.person.unit.path
    client.get(url)
    assert _views().count() == 2  # every opening


def test_the_base_officer_sees_only_what_her_base_reaches(client, w, base_officer):
    # The base officer reads the person (registered by her base) and her fund, but not the producer side,
    # which is filed under the county.
    html = _file(client, base_officer, reverse("desk:file", args=[w.person.pk])).content.decode()
    assert "file-funds" in html
    assert reverse("production:producer", args=[w.producer.pk]) not in html


def test_the_county_officer_opens_colony_and_cluster_pages_from_the_file(client, w, county_officer):
    html = _file(client, county_officer, reverse("desk:file", args=[w.person.pk])).content.decode()
    assert _sections(html) >= {"funds", "production", "colonies", "jobs", "brands", "market", "shop"}
    assert reverse("production:colony", args=[w.grow.colonies[0].pk]) in html
    assert reverse("production:cluster", args=[w.grow.cluster.pk]) in html
    # The booth page is the seller's own: the officer is sent to the exhibition's page.
    assert reverse("market:booth", args=[w.application.pk]) not in html
    assert reverse("market:exhibition", args=[w.exhibition.pk]) in html


def test_the_fund_manager_of_her_fund_sees_the_fund_part_only(client, w):
    response = _file(client, w.manager, reverse("desk:file", args=[w.person.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert _sections(html) == {"funds"}
    assert 'data-test="file-national-id"' not in html and 'data-test="file-identity"' not in html
    assert _views().filter(actor=w.manager).count() == 1
    assert _file(client, w.manager, reverse("desk:file-section", args=[w.person.pk, "production"])).status_code == 404


def test_the_fund_part_shows_only_the_funds_in_the_officers_scope(client, w, birjand, birjand_village, make_person,
                                                                   make_user, county_officer):
    """A member of a Birjand fund too: the Qaenat county officer sees her Qaenat fund only."""
    from mardom.orgs import services as orgs

    birjand_officer = make_user(make_person(birjand), roles=[("county_officer", birjand)])
    far_base = orgs.base_create(by=birjand_officer, county=birjand, name="پایگاه دور", place=birjand_village)
    far_fund = fund_services.fund_create(by=birjand_officer, base=far_base, name="صندوق دور", founded_on=FOUNDED,
                                         rules=RULES)
    keeper = make_user(make_person(far_base), roles=[("fund_treasurer", far_fund)])
    far = fund_services.membership_join(by=keeper, fund=far_fund, person=w.person, opening_deposit=1_000_000,
                                        joined_on=FOUNDED, idempotency_key="far", today=FOUNDED)
    html = _file(client, county_officer, reverse("desk:file", args=[w.person.pk])).content.decode()
    assert reverse("funds:membership", args=[w.borrower.pk]) in html
    assert reverse("funds:membership", args=[far.pk]) not in html
    # The Birjand fund's keeper sees her Birjand membership and nothing of Qaenat.
    html = _file(client, keeper, reverse("desk:file", args=[w.person.pk])).content.decode()
    assert reverse("funds:membership", args=[far.pk]) in html
    assert reverse("funds:membership", args=[w.borrower.pk]) not in html
    assert _sections(html) == {"funds"}


@pytest.mark.parametrize("who", ["birjand_officer", "other_manager", "institution", "other_member", "job_leader",
                                 "guide"])
def test_anyone_else_gets_404_everywhere_and_nothing_is_recorded(client, w, who, birjand_officer, make_user,
                                                                make_person, base, base_officer, qaenat,
                                                                qaenat_village, county_officer):
    from mardom.orgs import services as orgs

    if who == "birjand_officer":
        user = birjand_officer
    elif who == "other_manager":
        other_fund = fund_services.fund_create(by=base_officer, base=base, name="صندوق دیگر", founded_on=FOUNDED,
                                               rules=RULES)
        user = make_user(make_person(base), roles=[("fund_manager", other_fund)])
    elif who == "institution":
        bank = orgs.institution_create(by=county_officer, county=qaenat, name="بانک قاین", place=qaenat_village,
                                       type="bank_branch", bank="keshavarzi")
        user = make_user(make_person(qaenat), roles=[("institution_officer", bank)])
    elif who == "other_member":
        user = w.guarantor_user  # a member of the same fund
    elif who == "job_leader":
        user = make_user(make_person(qaenat), roles=[("job_leader", w.leader)])
    else:
        user = make_user(make_person(qaenat), roles=[("cluster_guide", w.grow.cluster)])
    client.force_login(user)
    for key in ("", *SECTIONS):
        url = reverse("desk:file-section", args=[w.person.pk, key]) if key else reverse("desk:file",
                                                                                          args=[w.person.pk])
        assert client.get(url).status_code == 404, (who, url)
    assert client.get(reverse("desk:file", args=[999_999])).status_code == 404
    assert not _views().exists()


# --- looking a person up by national ID --------------------------------------------------------------------

NOT_FOUND = "هیچ‌کس با این کد ملی در حوزهٔ شما ثبت نشده است."


def test_the_county_officer_opens_a_file_by_national_id_typed_in_persian(client, w, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("desk:file-lookup")).status_code == 200
    typed = fa(w.person.national_id)
    response = client.post(reverse("desk:file-lookup"), {"national_id": typed})
    assert response.status_code == 302 and response["Location"] == reverse("desk:file", args=[w.person.pk])


def test_out_of_scope_reads_exactly_like_not_found_and_reveals_nothing(client, w, birjand_officer, make_person,
                                                                        make_user, qaenat, county_officer):
    from mardom.conftest import next_national_id
    from mardom.orgs import services as orgs

    nobody = next_national_id()
    other_base = orgs.base_create(by=county_officer, county=qaenat, name="پایگاه دیگر", place=w.producer.place)
    neighbour = make_user(make_person(other_base), roles=[("base_officer", other_base)])
    for officer in (birjand_officer, neighbour):  # another county; another base of her county
        client.force_login(officer)
        answers = []
        for national_id in (w.person.national_id, nobody):
            response = client.post(reverse("desk:file-lookup"), {"national_id": national_id})
            assert response.status_code == 400
            html = response.content.decode()
            assert NOT_FOUND in html and w.person.full_name not in html
            answers.append(re.sub(r'value="[^"]*"', "", html.split('id="main"', 1)[1]))
        assert answers[0].replace(w.person.national_id, "") == answers[1].replace(nobody, "")
    assert not _views().exists()


def test_a_mistyped_national_id_is_refused_beside_the_field(client, county_officer):
    client.force_login(county_officer)
    response = client.post(reverse("desk:file-lookup"), {"national_id": "۱۲۳۴۵۶۷۸۹۰"})
    assert response.status_code == 400
    assert response.context["form"].errors["national_id"]
    assert not _views().exists()


def test_the_lookup_is_for_officers(client, w):
    client.force_login(w.user)
    assert client.get(reverse("desk:file-lookup")).status_code == 403
    assert client.post(reverse("desk:file-lookup"), {"national_id": w.person.national_id}).status_code == 403


def test_an_officer_typing_her_own_id_gets_her_own_file(client, county_officer):
    client.force_login(county_officer)
    response = client.post(reverse("desk:file-lookup"), {"national_id": county_officer.person.national_id})
    assert response.status_code == 302 and response["Location"] == reverse("desk:file-me")


# --- long histories --------------------------------------------------------------------------------------------

def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_file_costs_the_same_for_a_long_history(client, w, county_officer, base, base_officer, make_user,
                                                    make_person, django_assert_max_num_queries):
    me, theirs = reverse("desk:file-me"), reverse("desk:file", args=[w.person.pk])
    client.force_login(w.user)
    _pile_up(w, 2, base=base, base_officer=base_officer, make_user=make_user, make_person=make_person)
    few_me = _count(client, me)
    client.force_login(county_officer)
    few_theirs = _count(client, theirs)
    _pile_up(w, 12, base=base, base_officer=base_officer, make_user=make_user, make_person=make_person)
    client.force_login(w.user)
    with django_assert_max_num_queries(45):
        response = client.get(me)
    html = response.content.decode()
    assert _count(client, me) == few_me
    client.force_login(county_officer)
    assert _count(client, theirs) == few_theirs
    # Long lists are cut, say how many more there are and link to the section's own page.
    assert 'data-test="file-more"' in html
    assert reverse("desk:file-me-section", args=["funds"]) in html
    client.force_login(w.user)
    section = client.get(reverse("desk:file-me-section", args=["funds"]))
    funds = section.context["file"].sections[0]
    memberships = next(g for g in funds.groups if g.total >= 15)
    assert len(memberships.items) == memberships.total  # all of them there
    assert client.get(reverse("desk:file-me-section", args=["nothing"])).status_code == 404


def test_a_crafted_consent_request_sends_nothing_and_reads_the_same(client, w, birjand_officer):
    """The lookup offers no consent: posting the consent buttons of other national-ID forms asks for no code."""
    from mardom.people.models import ConsentChallenge

    client.force_login(birjand_officer)
    for extra in ({"consent_send": "1"}, {"consent_code": "123456"}):
        response = client.post(reverse("desk:file-lookup"), {"national_id": w.person.national_id, **extra})
        assert response.status_code == 400 and NOT_FOUND in response.content.decode()
    assert not ConsentChallenge.objects.exists()


# --- the registry ----------------------------------------------------------------------------------------------

def extra_section(*, viewer, person):
    """A provider as another app writes one (without `limit`): shown to officers only."""
    from mardom.desk.selectors.person_file import Fact, Group, Item, Section

    if getattr(viewer, "person_id", None) == person.pk:
        return None
    return Section(key="extra", title="Extra", facts=[Fact("Seen", 7, "number")],
                   groups=[Group("Rows", [Item(title="first row")], 3)])


def test_a_provider_is_added_with_one_line(client, w, county_officer, monkeypatch):
    from mardom.desk.selectors import person_file

    monkeypatch.setattr(person_file, "PROVIDERS",
                        [*person_file.PROVIDERS, ("extra", "mardom.desk.tests.test_person_file.extra_section")])
    html = _file(client, county_officer, reverse("desk:file", args=[w.person.pk])).content.decode()
    assert 'data-test="file-extra"' in html and "first row" in html and "۷" in html
    # Cut (one row of three shown): its own page is linked, and opens.
    assert reverse("desk:file-section", args=[w.person.pk, "extra"]) in html
    assert client.get(reverse("desk:file-section", args=[w.person.pk, "extra"])).status_code == 200
    # None for the person herself: not shown, and its page is a 404.
    html = _file(client, w.user, reverse("desk:file-me")).content.decode()
    assert 'data-test="file-extra"' not in html
    assert client.get(reverse("desk:file-me-section", args=["extra"])).status_code == 404
