"""Separation of duties for roles: nobody grants a role to themselves; a role carrying powers the granter does not
hold (money, inspection) is only proposed until a second officer of the same unit or above confirms it; revoking
takes effect at once; a person holding a role above the editor's reach is not edited by them."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.funds import services as funds
from mardom.funds.models import Membership, Movement
from mardom.funds.services import RulesInput
from mardom.people import services
from mardom.people.models import Person, RoleAssignment, User
from mardom.people.roles import ROLE_PERMISSIONS, SENSITIVE_PERMS, Perm, Role
from mardom.people.scopes import forget_grants, has_perm_on, scope_paths

pytestmark = pytest.mark.django_db

FOUNDED = datetime.date(2024, 3, 20)
RULES = RulesInput(monthly_contribution=500_000, min_months_before_loan=6, loan_savings_multiple=3,
                   loan_cap=300_000_000)
_keys = iter(range(1, 100_000))


def _fa(text: str) -> str:
    with translation.override("fa"):
        return gettext(text)


@pytest.fixture
def sod(county_officer, base_officer, base, qaenat, make_person, make_user):
    """A fund under the Qaenat base with one member's savings in it (recorded by a treasurer arranged directly),
    a candidate with a login to be made its treasurer, and a second officer of the same county."""
    fund = funds.fund_create(by=base_officer, base=base, name="صندوق امام رضا", founded_on=FOUNDED, rules=RULES)
    old_treasurer = make_user(make_person(base), roles=[("fund_treasurer", fund)])
    member = funds.membership_join(by=old_treasurer, fund=fund, person=make_person(base), opening_deposit=5_000_000,
                                   joined_on=FOUNDED, idempotency_key="join-1", today=FOUNDED)
    candidate = make_user(make_person(base))
    second = make_user(make_person(qaenat), roles=[("county_officer", qaenat)])
    return SimpleNamespace(fund=fund, member=member, candidate=candidate, second=second, officer=county_officer)


def _withdraw(by, member, amount=1_000_000):
    return funds.withdrawal_record(by=by, membership=member, amount=amount, occurred_on=FOUNDED,
                                   idempotency_key=f"w-{next(_keys)}", today=FOUNDED)


def _money(member):
    m = Membership.objects.get(pk=member.pk)
    return m.savings, Movement.objects.filter(membership=m).count()


def _propose(w, user=None):
    return services.role_grant(by=w.officer, user=user or w.candidate, role=Role.FUND_TREASURER, unit=w.fund)


# --- no self-grant ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "county_officer"])
def test_an_officer_cannot_grant_herself_a_role(county_officer, qaenat, role, row_counts):
    before = row_counts()
    with pytest.raises(DomainError) as error:
        services.role_grant(by=county_officer, user=county_officer, role=role, unit=qaenat)
    assert error.value.field == "role"
    assert row_counts() == before


def test_the_issue_story_a_self_made_treasurer_is_refused(sod, row_counts):
    before = row_counts()
    with pytest.raises(DomainError):
        services.role_grant(by=sod.officer, user=sod.officer, role=Role.FUND_TREASURER, unit=sod.fund)
    assert row_counts() == before
    money = _money(sod.member)
    with pytest.raises(PermissionDenied):
        _withdraw(sod.officer, sod.member)
    assert _money(sod.member) == money


def test_a_superuser_cannot_grant_himself_a_role_either(make_user, qaenat, row_counts):
    root = make_user(None, is_superuser=True, is_staff=True)
    before = row_counts()
    with pytest.raises(DomainError):
        services.role_grant(by=root, user=root, role="auditor", unit=qaenat)
    assert row_counts() == before


# --- direct grants stay direct ---------------------------------------------------------------------------------


def test_a_role_within_the_granters_own_powers_is_granted_at_once(county_officer, qaenat, plain_user):
    assignment = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    assert assignment.state == "active" and assignment.confirmed_by == county_officer
    assert assignment.confirmed_at is not None and assignment.proposer_unit is None
    assert AuditEntry.objects.filter(action="role.grant", object_id=str(assignment.pk)).count() == 1
    assert has_perm_on(plain_user, Perm.AUDIT_VIEW, qaenat)


def test_for_an_officer_exactly_the_money_and_inspection_roles_wait(county_officer, qaenat):
    for role in Role.values:
        waits = bool(services.missing_perms(by=county_officer, role=role, unit=qaenat))
        assert waits == bool(ROLE_PERMISSIONS[role] & SENSITIVE_PERMS), role


def test_a_superuser_grants_a_treasurer_directly(sod, make_user):
    root = make_user(None, is_superuser=True, is_staff=True)
    assignment = services.role_grant(by=root, user=sod.candidate, role=Role.FUND_TREASURER, unit=sod.fund)
    assert assignment.state == "active"
    _withdraw(sod.candidate, sod.member)


# --- proposals -------------------------------------------------------------------------------------------------


def test_a_treasurer_grant_beyond_the_officers_powers_is_a_proposal_without_power(sod, qaenat):
    money = _money(sod.member)
    assignment = _propose(sod)
    assert assignment.state == "proposed" and assignment.confirmed_at is None
    assert assignment.proposer_unit_id == qaenat.pk  # the county, through which she grants roles
    assert AuditEntry.objects.filter(action="role.propose", object_id=str(assignment.pk)).count() == 1
    assert not AuditEntry.objects.filter(action="role.grant", object_id=str(assignment.pk)).exists()
    for user in (sod.candidate, User.objects.get(pk=sod.candidate.pk)):
        assert scope_paths(user, Perm.FUNDS_TREASURY) == []
        with pytest.raises(PermissionDenied):
            _withdraw(user, sod.member)
    assert _money(sod.member) == money


def test_a_second_proposal_of_the_same_role_is_refused(sod, row_counts):
    _propose(sod)
    before = row_counts()
    with pytest.raises(DomainError) as error:
        _propose(sod)
    assert error.value.field == "role"
    assert row_counts() == before


def test_the_proposer_cannot_confirm(sod):
    assignment = _propose(sod)
    audits = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.role_confirm(by=sod.officer, assignment=assignment)
    assert RoleAssignment.objects.get(pk=assignment.pk).confirmed_at is None
    assert AuditEntry.objects.count() == audits
    with pytest.raises(PermissionDenied):
        _withdraw(User.objects.get(pk=sod.candidate.pk), sod.member)


def test_the_grantee_cannot_confirm_her_own_role(sod, province_officer):
    # The province officer holds roles.grant above the county, but the role is for her.
    assignment = _propose(sod, user=province_officer)
    with pytest.raises(DomainError):
        services.role_confirm(by=province_officer, assignment=assignment)
    assert RoleAssignment.objects.get(pk=assignment.pk).confirmed_at is None
    assert not has_perm_on(User.objects.get(pk=province_officer.pk), Perm.FUNDS_TREASURY, sod.fund)


def test_an_officer_of_a_lower_unit_cannot_confirm(sod, base_officer):
    # The base officer holds roles.grant on the fund, but under the county through which it was proposed.
    assignment = _propose(sod)
    money = _money(sod.member)
    with pytest.raises(PermissionDenied):
        services.role_confirm(by=base_officer, assignment=assignment)
    with pytest.raises(PermissionDenied):
        services.role_decline(by=base_officer, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.state == "proposed"
    with pytest.raises(PermissionDenied):
        _withdraw(User.objects.get(pk=sod.candidate.pk), sod.member)
    assert _money(sod.member) == money


def test_another_countys_officer_cannot_confirm(sod, birjand_officer):
    assignment = _propose(sod)
    with pytest.raises(PermissionDenied):
        services.role_confirm(by=birjand_officer, assignment=assignment)
    assert RoleAssignment.objects.get(pk=assignment.pk).state == "proposed"


@pytest.mark.parametrize("confirmer", ["second", "province_officer"])
def test_a_second_officer_of_the_same_unit_or_above_confirms_and_the_role_works(sod, request, confirmer):
    by = sod.second if confirmer == "second" else request.getfixturevalue("province_officer")
    assignment = _propose(sod)
    savings = _money(sod.member)[0]
    confirmed = services.role_confirm(by=by, assignment=assignment)
    assert confirmed.state == "active" and confirmed.confirmed_by == by and confirmed.granted_by == sod.officer
    assert AuditEntry.objects.filter(action="role.confirm", object_id=str(assignment.pk), actor=by).count() == 1
    # The candidate object the proposal carried is told at once; a fresh one reads the grant too.
    _withdraw(sod.candidate, sod.member)
    _withdraw(User.objects.get(pk=sod.candidate.pk), sod.member)
    assert _money(sod.member)[0] == savings - 2_000_000
    with pytest.raises(DomainError):  # confirmed once
        services.role_confirm(by=by, assignment=assignment)


def test_revocation_takes_effect_at_once(sod):
    assignment = _propose(sod)
    services.role_confirm(by=sod.second, assignment=assignment)
    user = sod.candidate  # the very object (as a request would hold it), its grants cached by this withdrawal
    _withdraw(user, sod.member)
    services.role_revoke(by=sod.second, assignment=assignment)
    money = _money(sod.member)
    with pytest.raises(PermissionDenied):
        _withdraw(user, sod.member)
    with pytest.raises(PermissionDenied):
        _withdraw(User.objects.get(pk=user.pk), sod.member)
    assert _money(sod.member) == money
    assert AuditEntry.objects.filter(action="role.revoke", object_id=str(assignment.pk)).count() == 1


def test_revoking_works_on_the_users_object_after_forget_grants(sod, county_officer, qaenat, plain_user):
    assignment = services.role_grant(by=county_officer, user=plain_user, role="auditor", unit=qaenat)
    same = User.objects.get(pk=plain_user.pk)
    assert has_perm_on(same, Perm.AUDIT_VIEW, qaenat)
    services.role_revoke(by=sod.second, assignment=RoleAssignment.objects.get(pk=assignment.pk))
    forget_grants(same)  # what the next request does: read the grants anew
    assert not has_perm_on(same, Perm.AUDIT_VIEW, qaenat)


def test_a_declined_proposal_never_takes_effect(sod):
    assignment = _propose(sod)
    declined = services.role_decline(by=sod.second, assignment=assignment)
    assert declined.state == "declined" and declined.revoked_by == sod.second and declined.confirmed_at is None
    assert AuditEntry.objects.filter(action="role.decline", object_id=str(assignment.pk)).count() == 1
    with pytest.raises(DomainError):
        services.role_confirm(by=sod.second, assignment=assignment)
    with pytest.raises(PermissionDenied):
        _withdraw(User.objects.get(pk=sod.candidate.pk), sod.member)
    # The row stays; a new proposal may be made.
    assert _propose(sod).pk != assignment.pk


def test_the_proposer_may_withdraw_her_proposal(sod):
    assignment = _propose(sod)
    services.role_decline(by=sod.officer, assignment=assignment)
    assert RoleAssignment.objects.get(pk=assignment.pk).state == "declined"
    assert AuditEntry.objects.filter(action="role.withdraw", object_id=str(assignment.pk)).count() == 1


def test_a_proposal_is_declined_not_revoked(sod, row_counts):
    assignment = _propose(sod)
    before = row_counts()
    with pytest.raises(DomainError):
        services.role_revoke(by=sod.second, assignment=assignment)
    assert row_counts() == before


def test_an_inspector_proposal_is_confirmed_by_a_second_officer(saffron_growers, county_officer, make_person,
                                                               make_user, qaenat):
    from mardom.brands import services as brands

    cluster = saffron_growers().cluster
    brand = brands.brand_create(by=county_officer, owner=cluster, name="زعفران قائنات", specification="رطوبت کم",
                                rules="سرگل", effective_from=FOUNDED)
    inspector = make_user(make_person(qaenat))
    assignment = services.role_grant(by=county_officer, user=inspector, role=Role.BRAND_INSPECTOR, unit=brand)
    assert assignment.is_proposal and not has_perm_on(inspector, Perm.BRANDS_INSPECT, brand)
    second = make_user(make_person(qaenat), roles=[("county_officer", qaenat)])
    services.role_confirm(by=second, assignment=assignment)
    assert has_perm_on(User.objects.get(pk=inspector.pk), Perm.BRANDS_INSPECT, brand)


# --- profile edits of people above the editor -----------------------------------------------------------------


def _person_row(person):
    p = Person.objects.get(pk=person.pk)
    return p.first_name, p.last_name, p.mobile, p.home_place_id, p.birth_date


def test_profile_edit_of_a_higher_officer_is_refused_and_changes_nothing(county_officer, qaenat, south_khorasan,
                                                                          make_person, make_user):
    boss = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    before, audits = _person_row(boss.person), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.person_update(by=county_officer, person=boss.person, first_name="دیگر", last_name="کس",
                               mobile="09150000000", gender="male", home_place=boss.person.home_place)
    assert _person_row(boss.person) == before
    assert AuditEntry.objects.count() == audits


def test_profile_edit_of_a_person_with_a_role_elsewhere_or_a_superuser_is_refused(county_officer, qaenat, birjand,
                                                                                   make_person, make_user):
    other = make_user(make_person(qaenat), roles=[("county_officer", birjand)])
    root = make_user(make_person(qaenat), is_superuser=True, is_staff=True)
    for user in (other, root):
        before = _person_row(user.person)
        with pytest.raises(PermissionDenied):
            services.person_update(by=county_officer, person=user.person, first_name="دیگر", last_name="کس",
                                   mobile="09150000000", gender="male", home_place=user.person.home_place)
        assert _person_row(user.person) == before


def test_profile_edit_within_reach_still_works(county_officer, base_officer):
    person = services.person_update(by=county_officer, person=base_officer.person, first_name="زهرا",
                                    last_name="رضایی", mobile="09150000001", gender="female",
                                    home_place=base_officer.person.home_place)
    assert _person_row(person)[:3] == ("زهرا", "رضایی", "09150000001")


# --- pages -------------------------------------------------------------------------------------------------------


def _state(w, assignment):
    a = RoleAssignment.objects.get(pk=assignment.pk)
    return (a.confirmed_at, a.confirmed_by_id, a.revoked_at, RoleAssignment.objects.count(),
            AuditEntry.objects.count(), _money(w.member))


# Every new people view: (name, method, url name, args(assignment)). Listed in test_views' URL table check.
SOD_VIEWS = [
    ("role-proposals", "get", "people:role-proposals", lambda a: []),
    ("role-confirm", "post", "people:role-confirm", lambda a: [a.pk]),
    ("role-decline", "post", "people:role-decline", lambda a: [a.pk]),
]
SOD_IDS = [name for name, *_ in SOD_VIEWS]


@pytest.mark.parametrize(("name", "method", "url_name", "args"), SOD_VIEWS, ids=SOD_IDS)
@pytest.mark.parametrize("who", ["birjand_officer", "base_officer", "plain_user", "proposer", "grantee"])
def test_nobody_but_a_second_officer_confirms_or_declines_through_the_pages(client, sod, request, who, name,
                                                                           method, url_name, args):
    assignment = _propose(sod)
    user = {"proposer": sod.officer, "grantee": sod.candidate}.get(who) or request.getfixturevalue(who)
    before = _state(sod, assignment)
    client.force_login(user)
    url = reverse(url_name, args=args(assignment))
    response = client.get(url) if method == "get" else client.post(url)
    if name == "role-proposals":
        if who in ("plain_user", "grantee"):  # no roles.grant anywhere
            assert response.status_code == 403
        else:  # a list: the proposal is shown only to officers who may confirm it, and to its proposer
            assert response.status_code == 200
            body = response.content.decode()
            assert (f'data-test="proposal-{assignment.pk}"' in body) is False
            assert (f'data-test="mine-{assignment.pk}"' in body) is (who == "proposer")
        assert _state(sod, assignment) == before
        return
    if who == "proposer" and name == "role-decline":  # withdrawing her own proposal is hers to do
        assert response.status_code == 302
        assert RoleAssignment.objects.get(pk=assignment.pk).state == "declined"
        return
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:  # refused with a message, on the proposer's own page
        assert who == "proposer"
    assert 'lang="fa"' in response.content.decode() or response.status_code == 302
    assert _state(sod, assignment) == before


def test_the_grant_form_says_which_roles_wait_and_a_grant_becomes_a_proposal(client, sod):
    person = sod.candidate.person
    client.force_login(sod.officer)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert 'data-test="needs-confirmation"' in page
    with translation.override("fa"):
        assert str(Role(Role.FUND_TREASURER).label) in page
    response = client.post(reverse("people:role-grant", args=[person.pk]),
                           {"role": Role.FUND_TREASURER, "unit": str(sod.fund.pk)}, follow=True)
    assignment = RoleAssignment.objects.get(user=sod.candidate, role=Role.FUND_TREASURER)
    assert assignment.is_proposal
    body = response.content.decode()
    assert _fa("The role was proposed. It takes effect once another officer of your unit or above confirms it.") \
        in body
    assert 'data-test="proposed"' in body and 'data-test="confirm"' not in body  # she cannot confirm it


def test_a_second_officer_confirms_on_the_proposals_page(client, sod):
    assignment = _propose(sod)
    client.force_login(sod.second)
    page = client.get(reverse("people:role-proposals")).content.decode()
    assert f'data-test="proposal-{assignment.pk}"' in page and 'name="csrfmiddlewaretoken"' in page
    response = client.post(reverse("people:role-confirm", args=[assignment.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("people:role-proposals")
    assert _fa("The role was confirmed and takes effect now.") in response.content.decode()
    assert RoleAssignment.objects.get(pk=assignment.pk).state == "active"
    _withdraw(User.objects.get(pk=sod.candidate.pk), sod.member)


def test_a_second_officer_confirms_or_declines_on_the_persons_page(client, sod):
    assignment = _propose(sod)
    client.force_login(sod.second)
    url = reverse("people:detail", args=[sod.candidate.person.pk])
    assert 'data-test="confirm"' in client.get(url).content.decode()
    response = client.post(reverse("people:role-decline", args=[assignment.pk]), {"next": "person"})
    assert response.status_code == 302 and response["Location"] == url
    assert RoleAssignment.objects.get(pk=assignment.pk).state == "declined"


def test_the_proposer_sees_the_refusal_when_confirming_her_own(client, sod):
    assignment = _propose(sod)
    client.force_login(sod.officer)
    response = client.post(reverse("people:role-confirm", args=[assignment.pk]), follow=True)
    assert _fa("Whoever proposed a role cannot also confirm it; another officer must.") in response.content.decode()
    assert RoleAssignment.objects.get(pk=assignment.pk).state == "proposed"


def test_an_officer_cannot_grant_herself_a_role_through_the_page(client, county_officer, qaenat, row_counts):
    client.force_login(county_officer)
    url = reverse("people:detail", args=[county_officer.person.pk])
    page = client.get(url).content.decode()
    assert 'data-test="grant-form"' not in page and 'data-test="no-self-grant"' in page
    before = row_counts()
    response = client.post(reverse("people:role-grant", args=[county_officer.person.pk]),
                           {"role": "auditor", "unit": str(qaenat.pk)})
    assert response.status_code == 400
    assert _fa("Nobody can grant a role to themselves; ask another officer.") in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_edit_page_of_a_higher_officer_is_403_and_changes_nothing(client, county_officer, qaenat,
                                                                      south_khorasan, make_person, make_user,
                                                                      method):
    boss = make_user(make_person(qaenat), roles=[("province_officer", south_khorasan)])
    before, audits = _person_row(boss.person), AuditEntry.objects.count()
    client.force_login(county_officer)
    detail = client.get(reverse("people:detail", args=[boss.person.pk])).content.decode()
    assert reverse("people:edit", args=[boss.person.pk]) not in detail
    url = reverse("people:edit", args=[boss.person.pk])
    data = {"first_name": "دیگر", "last_name": "کس", "mobile": "09150000000", "gender": "male",
            "home_place": str(boss.person.home_place_id)}
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 403 and 'lang="fa"' in response.content.decode()
    assert _person_row(boss.person) == before and AuditEntry.objects.count() == audits
