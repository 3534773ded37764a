"""Job leaders: registration, agreements, the account with each producer, its limits and who sees what."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mardom.conftest import confirm_proposals
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.people.roles import Role
from mardom.production import selectors, services
from mardom.production.models import JobAgreement, JobEntry, JobLeader, Product
from mardom.production.services import jobs

STARTED = datetime.date(2020, 3, 20)
DAY = datetime.date(2026, 10, 1)
_keys = itertools.count(1)


def key() -> str:
    return f"k{next(_keys)}"


@pytest.fixture
def carpet(db):
    return Product.objects.get(code="carpet")


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


def approved_producer(by, person, place, product, capacity=100):
    return services.producer_register(by=by, person=person, place=place, activities="بافت فرش",
                                      started_on=STARTED, baseline_sales=50_000_000, products=[(product, capacity)])


@pytest.fixture
def world(make_person, make_user, qaenat, qaenat_village, birjand, birjand_village, carpet, county_officer,
          birjand_officer, province_officer):
    """A carpet job leader in Qaenat (its manager has a login, and the job leader role the county officer
    proposed and the province officer confirmed), two Qaenat weavers and one in Birjand."""
    owner = make_person(qaenat)
    owner_user = make_user(owner)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="کارگاه فرش قائنات",
                                      functions=["supply", "sales"])
    confirm_proposals(owner_user, by=province_officer)
    weaver_people = [make_person(qaenat) for _ in range(2)]
    weavers = [approved_producer(county_officer, p, qaenat_village, carpet) for p in weaver_people]
    far = approved_producer(birjand_officer, make_person(birjand), birjand_village, carpet)
    agreement = jobs.job_agreement_create(
        by=owner_user, job_leader=leader, producer=weavers[0], product=carpet, pricing="purchase",
        material="نخ و پشم", material_unit="kg", output_per_material=Decimal("0.5"), rate_a=20_000_000,
        rate_b=15_000_000, starts_on=datetime.date(2025, 3, 21))
    return SimpleNamespace(leader=leader, owner=owner, owner_user=owner_user, weavers=weavers,
                           weaver_users=[make_user(p) for p in weaver_people], far=far, agreement=agreement)


def test_registering_a_job_leader_grants_its_manager_the_role(world, qaenat, county_officer, province_officer):
    assert world.leader.parent == qaenat and world.leader.kind == "job_leader"
    assignment = world.owner_user.role_assignments.get()
    assert assignment.role == Role.JOB_LEADER
    # The job leader's books hold producers' money: the registering officer only proposes the role.
    assert assignment.granted_by == county_officer and assignment.confirmed_by == province_officer
    assert AuditEntry.objects.filter(action="job_leader.register").exists()
    assert AuditEntry.objects.filter(action="role.propose", object_id=str(assignment.pk)).exists()


def test_the_job_leader_role_gives_no_power_until_a_second_officer_confirms_it(qaenat, county_officer, make_person,
                                                                             make_user, carpet, qaenat_village,
                                                                             province_officer):
    from mardom.people.models import User

    owner = make_person(qaenat)
    owner_user = make_user(owner)
    leader = jobs.job_leader_register(by=county_officer, county=qaenat, owner=owner, name="کارگاه تازه",
                                      functions=["sales"])
    weaver = approved_producer(county_officer, make_person(qaenat), qaenat_village, carpet)
    assert owner_user.role_assignments.get().is_proposal and not jobs.may_record(owner_user, leader)
    with pytest.raises(PermissionDenied):
        jobs.job_agreement_create(by=owner_user, job_leader=leader, producer=weaver, product=carpet,
                                  pricing="purchase", rate_a=1)
    assert not JobAgreement.objects.filter(job_leader=leader).exists()
    with pytest.raises(DomainError):  # the proposer cannot confirm
        confirm_proposals(owner_user, by=county_officer)
    confirm_proposals(owner_user, by=province_officer)
    assert jobs.may_record(User.objects.get(pk=owner_user.pk), leader)


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"),
    ({"functions": []}, "functions"),
    ({"functions": ["smuggling"]}, "functions"),
])
def test_bad_job_leader_registrations_change_nothing(world, qaenat, county_officer, make_person, change, field,
                                                     row_counts):
    before = row_counts()
    kwargs = {"name": "کارگاه دیگر", "functions": ["sales"], **change}
    with pytest.raises(DomainError) as error:
        jobs.job_leader_register(by=county_officer, county=qaenat, owner=world.owner, **kwargs)
    assert error.value.field == field and row_counts() == before


def test_a_job_leader_is_registered_only_by_the_county_within_scope(qaenat, birjand_officer, make_person):
    with pytest.raises(PermissionDenied):
        jobs.job_leader_register(by=birjand_officer, county=qaenat, owner=make_person(qaenat), name="x",
                                 functions=["sales"])


def test_a_job_leader_cannot_attach_to_another_countys_cluster(world, birjand, birjand_officer, make_person,
                                                               carpet, qaenat, county_officer):
    from mardom.production.models import Cluster

    cluster = Cluster.objects.create(kind="cluster", name="خوشه فرش", search_key="x", parent=qaenat,
                                     level="county", value_chain="carpet", focus_product=carpet,
                                     created_by=county_officer)
    with pytest.raises(DomainError) as error:
        jobs.job_leader_register(by=birjand_officer, county=birjand, owner=make_person(birjand), name="y",
                                 functions=["sales"], cluster=cluster)
    assert error.value.field == "cluster"


@pytest.mark.parametrize(("change", "field"), [
    ({"rate_a": 0}, "rate_a"),
    ({"rate_b": -5}, "rate_b"),
    ({"material": "نخ", "material_unit": "", "output_per_material": None}, "material"),
    ({"output_per_material": Decimal("0")}, "output_per_material"),
    ({"pricing": "piece_rate", "material": "", "material_unit": "", "output_per_material": None}, "material"),
    ({"pricing": "barter"}, "pricing"),
])
def test_bad_agreements_change_nothing(world, carpet, change, field):
    kwargs = {"pricing": "purchase", "rate_a": 1000, "material": "نخ", "material_unit": "kg",
              "output_per_material": Decimal("0.5"), **change}
    with pytest.raises(DomainError) as error:
        jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=world.weavers[1],
                                  product=carpet, **kwargs)
    assert error.value.field == field
    assert JobAgreement.objects.count() == 1


def test_agreements_only_with_approved_producers_of_the_province_who_make_the_product(
        world, carpet, saffron, make_person, qaenat, qaenat_village, make_user):
    with pytest.raises(DomainError):  # one agreement per producer and product
        jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=world.weavers[0],
                                  product=carpet, pricing="purchase", rate_a=1, starts_on=datetime.date(2025, 3, 21))
    with pytest.raises(DomainError):  # does not make saffron
        jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=world.weavers[1],
                                  product=saffron, pricing="purchase", rate_a=1, starts_on=datetime.date(2025, 3, 21))
    person = make_person(qaenat)
    pending = services.producer_register(by=make_user(person), person=person, place=qaenat_village,
                                         activities="x", started_on=STARTED, baseline_sales=0,
                                         products=[(carpet, 1)])
    with pytest.raises(DomainError):
        jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=pending, product=carpet,
                                  pricing="purchase", rate_a=1, starts_on=datetime.date(2025, 3, 21))
    # Birjand is in the same province: allowed.
    jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=world.far, product=carpet,
                              pricing="purchase", rate_a=1, starts_on=datetime.date(2025, 3, 21))


def test_a_season_nets_to_what_each_side_owes(world):
    agreement = world.agreement
    by = world.owner_user
    jobs.materials_issue(by=by, agreement=agreement, quantity=Decimal("10"), value=30_000_000, occurred_on=DAY,
                         idempotency_key=key())
    jobs.output_receive(by=by, agreement=agreement, quantity=Decimal("3"), grade="a", occurred_on=DAY,
                        idempotency_key=key())
    jobs.output_receive(by=by, agreement=agreement, quantity=Decimal("1.5"), grade="b", occurred_on=DAY,
                        idempotency_key=key())
    totals = jobs.account_totals(agreement)
    # 3 × 20m + 1.5 × 15m = 82.5m bought, 30m charged for materials: 52.5m owed to the weaver.
    assert totals["bought"] == 82_500_000 and totals["charged"] == 30_000_000
    assert totals["balance"] == 52_500_000
    jobs.settlement_pay(by=by, agreement=agreement, to_producer=True, amount=50_000_000, occurred_on=DAY,
                        idempotency_key=key())
    assert jobs.account_totals(agreement)["balance"] == 2_500_000
    lines = selectors.account_lines(agreement=agreement)
    assert [line.running for line in lines] == [-30_000_000, 30_000_000, 52_500_000, 2_500_000]


def test_a_buyback_beyond_what_the_materials_yield_is_refused(world):
    by, agreement = world.owner_user, world.agreement
    jobs.materials_issue(by=by, agreement=agreement, quantity=Decimal("4"), value=0, occurred_on=DAY,
                         idempotency_key=key())
    jobs.output_receive(by=by, agreement=agreement, quantity=Decimal("1.5"), grade="a", occurred_on=DAY,
                        idempotency_key=key())
    with pytest.raises(DomainError) as error:  # 4 kg × 0.5 = 2 at most; 1.5 received
        jobs.output_receive(by=by, agreement=agreement, quantity=Decimal("0.6"), grade="a", occurred_on=DAY,
                            idempotency_key=key())
    assert error.value.field == "quantity" and "۰٫۵" in str(error.value.message)
    assert JobEntry.objects.filter(kind="receipt").count() == 1


def test_a_settlement_that_would_go_negative_is_refused(world):
    by, agreement = world.owner_user, world.agreement
    jobs.materials_issue(by=by, agreement=agreement, quantity=Decimal("2"), value=1_000_000, occurred_on=DAY,
                         idempotency_key=key())
    with pytest.raises(DomainError):  # the weaver owes 1m: nothing may be paid to her
        jobs.settlement_pay(by=by, agreement=agreement, to_producer=True, amount=1, occurred_on=DAY,
                            idempotency_key=key())
    with pytest.raises(DomainError):  # and she may repay at most 1m
        jobs.settlement_pay(by=by, agreement=agreement, to_producer=False, amount=1_000_001, occurred_on=DAY,
                            idempotency_key=key())
    jobs.settlement_pay(by=by, agreement=agreement, to_producer=False, amount=1_000_000, occurred_on=DAY,
                        idempotency_key=key())
    assert jobs.account_totals(agreement)["balance"] == 0


@pytest.mark.parametrize("call", ["issue_value_on_piece_rate", "zero_quantity", "future", "no_rate_c"])
def test_bad_lines_change_nothing(world, carpet, call):
    by = world.owner_user
    piece = jobs.job_agreement_create(by=by, job_leader=world.leader, producer=world.weavers[1], product=carpet,
                                      pricing="piece_rate", material="نخ", material_unit="kg",
                                      output_per_material=Decimal(1), rate_a=100, starts_on=datetime.date(2025, 3, 21))
    before = JobEntry.objects.count()
    with pytest.raises(DomainError):
        if call == "issue_value_on_piece_rate":
            jobs.materials_issue(by=by, agreement=piece, quantity=Decimal(1), value=5, occurred_on=DAY,
                                 idempotency_key=key())
        elif call == "zero_quantity":
            jobs.materials_issue(by=by, agreement=piece, quantity=Decimal(0), occurred_on=DAY,
                                 idempotency_key=key())
        elif call == "future":
            jobs.materials_issue(by=by, agreement=piece, quantity=Decimal(1),
                                 occurred_on=datetime.date(2099, 1, 1), idempotency_key=key())
        else:
            jobs.output_receive(by=by, agreement=world.agreement, quantity=Decimal(1), grade="c", occurred_on=DAY,
                                idempotency_key=key())
    assert JobEntry.objects.count() == before


def test_the_same_form_sent_twice_records_once(world):
    same = key()
    first = jobs.materials_issue(by=world.owner_user, agreement=world.agreement, quantity=Decimal(1),
                                 occurred_on=DAY, idempotency_key=same)
    again = jobs.materials_issue(by=world.owner_user, agreement=world.agreement, quantity=Decimal(1),
                                 occurred_on=DAY, idempotency_key=same)
    assert first.pk == again.pk and JobEntry.objects.count() == 1


def test_corrections_cancel_a_line_once_and_keep_the_history(world):
    by, agreement = world.owner_user, world.agreement
    issue = jobs.materials_issue(by=by, agreement=agreement, quantity=Decimal(4), value=100, occurred_on=DAY,
                                 idempotency_key=key())
    receipt = jobs.output_receive(by=by, agreement=agreement, quantity=Decimal(2), grade="a", occurred_on=DAY,
                                  idempotency_key=key())
    with pytest.raises(DomainError):  # the buyback rests on these materials
        jobs.job_entry_reverse(by=by, entry=issue, memo="اشتباه", idempotency_key=key(), occurred_on=DAY)
    with pytest.raises(DomainError):  # a reason is required
        jobs.job_entry_reverse(by=by, entry=receipt, memo=" ", idempotency_key=key(), occurred_on=DAY)
    correction = jobs.job_entry_reverse(by=by, entry=receipt, memo="وزن اشتباه", idempotency_key=key(),
                                        occurred_on=DAY)
    assert correction.amount == -receipt.amount
    with pytest.raises(DomainError):
        jobs.job_entry_reverse(by=by, entry=receipt, memo="دوباره", idempotency_key=key(), occurred_on=DAY)
    with pytest.raises(DomainError):
        jobs.job_entry_reverse(by=by, entry=correction, memo="دوباره", idempotency_key=key(), occurred_on=DAY)
    jobs.job_entry_reverse(by=by, entry=issue, memo="برگشت نخ", idempotency_key=key(), occurred_on=DAY)
    totals = jobs.account_totals(agreement)
    assert totals["balance"] == 0 and totals["issued"] == 0 and totals["received"] == 0
    assert JobEntry.objects.count() == 4


def test_only_the_job_leaders_people_record(world, county_officer):
    for user in (county_officer, world.weaver_users[0]):
        with pytest.raises(PermissionDenied):
            jobs.materials_issue(by=user, agreement=world.agreement, quantity=Decimal(1), occurred_on=DAY,
                                 idempotency_key=key())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["issue", "receive", "pay", "repay", "reverse"]),
                              st.integers(min_value=1, max_value=30)), max_size=14))
def test_any_sequence_keeps_the_account_within_its_limits(world, ops):
    """Whatever is attempted, in any order: the balance equals the sum of the lines, nothing is bought back
    beyond what the materials yield, and refused operations write nothing."""
    by, agreement = world.owner_user, world.agreement
    for op, n in ops:
        count = JobEntry.objects.count()
        try:
            if op == "issue":
                jobs.materials_issue(by=by, agreement=agreement, quantity=Decimal(n), value=n * 1000,
                                     occurred_on=DAY, idempotency_key=key())
            elif op == "receive":
                jobs.output_receive(by=by, agreement=agreement, quantity=Decimal(n) / 4, grade="ab"[n % 2],
                                    occurred_on=DAY, idempotency_key=key())
            elif op in ("pay", "repay"):
                jobs.settlement_pay(by=by, agreement=agreement, to_producer=op == "pay", amount=n * 700_000,
                                    occurred_on=DAY, idempotency_key=key())
            else:
                last = JobEntry.objects.filter(agreement=agreement, reversed_by__isnull=True).exclude(
                    kind="reversal").last()
                if last is not None:
                    jobs.job_entry_reverse(by=by, entry=last, memo="اصلاح", idempotency_key=key(), occurred_on=DAY)
        except DomainError:
            assert JobEntry.objects.count() == count
        totals = jobs.account_totals(agreement)
        assert totals["received"] <= totals["issued"] * agreement.output_per_material
        lines = selectors.account_lines(agreement=agreement)
        assert totals["balance"] == (lines[-1].running if lines else 0)
        # Corrections cancel their lines exactly, so the balance is what the live lines say.
        assert totals["balance"] == totals["bought"] - totals["charged"] - totals["paid_producer"] \
            + totals["paid_leader"]


# --- Who sees what -----------------------------------------------------------------------------------------

def test_a_job_leader_sees_only_their_own_producers(world):
    visible = set(selectors.producer_list(user=world.owner_user).values_list("pk", flat=True))
    assert visible == {world.weavers[0].pk}
    assert list(selectors.job_leaders_of(user=world.owner_user)) == [world.leader]


def test_a_producer_sees_only_their_own_account(world, client):
    client.force_login(world.weaver_users[0])
    assert client.get(reverse("production:agreement", args=[world.agreement.pk])).status_code == 200
    client.force_login(world.weaver_users[1])
    assert client.get(reverse("production:agreement", args=[world.agreement.pk])).status_code == 404
    assert client.get(reverse("production:job-leader", args=[world.leader.pk])).status_code == 404


def test_pages_as_every_side(world, client, county_officer, birjand_officer, plain_user, carpet):
    jobs.materials_issue(by=world.owner_user, agreement=world.agreement, quantity=Decimal(2), value=500_000,
                         occurred_on=DAY, idempotency_key=key())
    pages = [reverse("production:job-leaders"), reverse("production:job-leader", args=[world.leader.pk]),
             reverse("production:agreement", args=[world.agreement.pk])]
    for user in (county_officer, world.owner_user):
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
        assert "کارگاه فرش قائنات" in client.get(pages[0]).content.decode()
    client.force_login(birjand_officer)
    assert client.get(pages[1]).status_code == 404 and client.get(pages[2]).status_code == 404
    assert "کارگاه فرش قائنات" not in client.get(pages[0]).content.decode()
    client.force_login(plain_user)
    assert client.get(pages[0]).status_code == 403
    assert client.get(reverse("production:job-leader-create")).status_code == 403


def test_recording_through_the_pages(world, client, county_officer):
    url = reverse("production:agreement", args=[world.agreement.pk])
    client.force_login(county_officer)  # officers read, and may not post
    assert client.post(reverse("production:agreement-issue", args=[world.agreement.pk]),
                       {"quantity": "۲", "occurred_on": "۱۴۰۵/۰۷/۰۹", "key": "x1"}).status_code == 403
    client.force_login(world.owner_user)
    page = client.get(url).content.decode()
    assert 'name="key"' in page
    response = client.post(reverse("production:agreement-issue", args=[world.agreement.pk]),
                           {"quantity": "۴", "value": "۱۲۰۰۰۰۰", "occurred_on": "۱۴۰۵/۰۷/۰۹", "key": "k-form-1"})
    assert response.status_code == 302
    response = client.post(reverse("production:agreement-receive", args=[world.agreement.pk]),
                           {"quantity": "۵", "grade": "a", "occurred_on": "۱۴۰۵/۰۷/۰۹", "key": "k-form-2"})
    assert response.status_code == 400 and "۲" in response.content.decode()  # at most 2 can be bought back
    response = client.post(reverse("production:agreement-receive", args=[world.agreement.pk]),
                           {"quantity": "۱٫۵", "grade": "a", "occurred_on": "۱۴۰۵/۰۷/۰۹", "key": "k-form-3"})
    assert response.status_code == 302
    response = client.post(reverse("production:agreement-pay", args=[world.agreement.pk]),
                           {"direction": "to_producer", "amount": "abc", "occurred_on": "۱۴۰۵/۰۷/۰۹",
                            "key": "k-form-4"})
    assert response.status_code == 400
    assert JobEntry.objects.count() == 2


def test_registering_a_job_leader_through_the_page(client, county_officer, qaenat, make_person, make_user):
    owner = make_person(qaenat)
    make_user(owner)
    client.force_login(county_officer)
    response = client.post(reverse("production:job-leader-create"), {
        "county": qaenat.pk, "name": "شرکت زعفران نگین", "national_id": owner.national_id,
        "functions": ["processing", "packaging"], "activities": "خرید و بسته‌بندی زعفران",
        "products": [Product.objects.get(code="saffron").pk]})
    leader = JobLeader.objects.get()
    assert response.status_code == 302 and leader.functions == ["processing", "packaging"]
    assert [p.code for p in leader.products.all()] == ["saffron"]
    assert "زعفران" in client.get(response.url).content.decode()
    response = client.post(reverse("production:job-leader-create"), {
        "county": qaenat.pk, "name": "شرکت دیگر", "national_id": owner.national_id, "functions": ["sales"],
        "products": ["abc"]})
    assert response.status_code == 400 and JobLeader.objects.count() == 1  # no such product: nothing recorded
    response = client.post(reverse("production:job-leader-create"), {
        "county": qaenat.pk, "name": "x", "national_id": "0000000000", "functions": ["sales"]})
    assert response.status_code == 400 and JobLeader.objects.count() == 1


def test_the_job_leader_list_has_a_fixed_number_of_queries(world, client, county_officer, qaenat, make_person,
                                                           django_assert_max_num_queries):
    for i in range(5):
        jobs.job_leader_register(by=county_officer, county=qaenat, owner=make_person(qaenat), name=f"راهبر {i}",
                                 functions=["sales"])
    client.force_login(county_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("production:job-leaders")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("production:job-leader", args=[world.leader.pk])).status_code == 200


def test_the_cluster_page_lists_its_job_leaders_and_the_guide_opens_them(
        world, client, county_officer, qaenat, carpet, make_person, make_user):
    from mardom.production.models import Cluster

    cluster = Cluster.objects.create(kind="cluster", name="خوشه فرش قاینات", search_key="x", parent=qaenat,
                                     level="county", value_chain="carpet", focus_product=carpet,
                                     created_by=county_officer)
    from mardom.orgs.services import unit_set_path

    unit_set_path(cluster)
    JobLeader.objects.filter(pk=world.leader.pk).update(attached_to=cluster)
    guide = make_user(make_person(qaenat), roles=[("cluster_guide", cluster)])
    client.force_login(guide)
    page = client.get(reverse("production:cluster", args=[cluster.pk])).content.decode()
    assert 'data-test="cluster-job-leaders"' in page and world.leader.name in page
    assert client.get(reverse("production:job-leader", args=[world.leader.pk])).status_code == 200
    assert client.get(reverse("production:agreement", args=[world.agreement.pk])).status_code == 200
    # The guide reads; only the job leader's people record.
    assert client.post(reverse("production:agreement-issue", args=[world.agreement.pk]),
                       {"quantity": "1", "occurred_on": "۱۴۰۵/۰۷/۰۹", "key": "guide-1"}).status_code == 403


def test_lines_before_the_agreement_began_or_after_today_are_refused(world):
    """A line dated 1300/01/01, or before the agreement's start, or tomorrow, is refused beside its date."""
    by, agreement = world.owner_user, world.agreement
    before = JobEntry.objects.count()
    for day in (datetime.date(1921, 3, 21), datetime.date(2025, 3, 20),
                timezone.localdate() + datetime.timedelta(days=2)):
        with pytest.raises(DomainError) as error:
            jobs.output_receive(by=by, agreement=agreement, quantity=Decimal("1"), grade="a", occurred_on=day,
                                idempotency_key=key())
        assert error.value.field == "occurred_on"
    assert JobEntry.objects.count() == before


def test_an_agreement_cannot_start_in_1921_or_tomorrow(world, carpet):
    before = JobAgreement.objects.count()
    for day in (datetime.date(1921, 3, 21), timezone.localdate() + datetime.timedelta(days=2)):
        with pytest.raises(DomainError) as error:
            jobs.job_agreement_create(by=world.owner_user, job_leader=world.leader, producer=world.weavers[1],
                                      product=carpet, pricing="purchase", rate_a=1, starts_on=day)
        assert error.value.field == "starts_on"
    assert JobAgreement.objects.count() == before
