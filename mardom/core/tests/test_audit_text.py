"""The audit log as people read it: a Persian sentence for every action the code writes, changes with their
labels and formatted values, Jalali times, links, and filters by person, kind of action and date, by scope."""

from __future__ import annotations

import ast
import datetime
import pathlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mardom.core.audit_text import ACTIONS, GROUPS
from mardom.core.jalali import format_jalali, format_jalali_datetime
from mardom.core.models import AuditEntry
from mardom.core.money import format_money
from mardom.orgs import services as org_services

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _dynamic_codes() -> dict[str, list[str]]:
    """The action codes built with an f-string, by the f-string's source, expanded from the values it takes."""
    from mardom.brands.models import Sanction
    from mardom.market.services.shop import PART_TRANSITIONS
    from mardom.orgs.models import OrgUnit
    from mardom.production.models import JobEntry

    orgs = [OrgUnit.Kind.BASE, OrgUnit.Kind.GROUP, OrgUnit.Kind.INSTITUTION]
    return {
        "f'{kind}.create'": [f"{k.value}.create" for k in orgs],
        "f'{unit.kind}.update'": [f"{k.value}.update" for k in orgs],
        "f'loan.{kind}'": ["loan.write_off", "loan.forgiveness"],
        "f'job_entry.{kind}'": [f"job_entry.{k}" for k in JobEntry.Kind.values],
        "f'brand.sanction.{action}'": [f"brand.sanction.{a}" for a in Sanction.Action.values],
        "f'order_part.{to}'": sorted({f"order_part.{t}" for ts in PART_TRANSITIONS.values() for t in ts}),
    }


def _codes_in(node: ast.expr, dynamic: dict[str, list[str]], where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body, dynamic, where) + _codes_in(node.orelse, dynamic, where)
    if isinstance(node, ast.JoinedStr):
        source = ast.unparse(node)
        assert source in dynamic, f"{where}: say which codes {source} makes in _dynamic_codes()"
        return dynamic[source]
    return []  # a variable: a wrapper (_audit, _record) whose callers are read instead


def action_codes_in_the_code() -> set[str]:
    dynamic, codes = _dynamic_codes(), set()
    for path in (ROOT).rglob("*.py"):
        if {"tests", "migrations", "e2e"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "audit_record":
                for kw in node.keywords:
                    if kw.arg == "action":
                        codes.update(_codes_in(kw.value, dynamic, where))
            elif name in ("_audit", "_record") and len(node.args) >= 2:
                codes.update(_codes_in(node.args[1], dynamic, where))
    return codes


def test_every_action_the_code_writes_has_a_sentence():
    codes = action_codes_in_the_code()
    assert len(codes) > 80  # the scan finds them
    missing = sorted(codes - set(ACTIONS))
    assert not missing, f"audit actions with no sentence in core/audit_text.ACTIONS: {missing}"


def test_every_sentence_is_translated_and_names_actor_and_object():
    with translation.override("fa"):
        for code, action in ACTIONS.items():
            text = str(action.sentence)
            assert "%(actor)s" in text and "%(object)s" in text, code
            assert not re.search(r"[A-Za-z]{3,}", text.replace("%(actor)s", "").replace("%(object)s", "")), code
            assert action.group in GROUPS, code


# --- the page --------------------------------------------------------------------------------------------

@pytest.fixture
def fund_world(base_officer, base, make_person, make_user):
    from mardom.funds import services
    from mardom.funds.services import RulesInput

    fund = services.fund_create(by=base_officer, base=base, name="صندوق قرض‌الحسنه امام رضا",
                                founded_on=datetime.date(2024, 3, 20),
                                rules=RulesInput(monthly_contribution=500_000, min_months_before_loan=6,
                                                 loan_savings_multiple=3, loan_cap=300_000_000))
    treasurer = make_user(make_person(base, first_name="طاهره", last_name="بهدانی"),
                          roles=[("fund_treasurer", fund)])
    member = make_person(base, first_name="رقیه", last_name="خزاعی")
    membership = services.membership_join(by=treasurer, fund=fund, person=member, opening_deposit=12_500_000,
                                          joined_on=datetime.date(2024, 3, 20), idempotency_key="join-1",
                                          today=datetime.date(2024, 3, 20))
    return fund, treasurer, member, membership


def _body(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("audit"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_sentences_jalali_times_formatted_amounts_and_links(client, county_officer, fund_world):
    _fund, _treasurer, member, membership = fund_world
    entry = AuditEntry.objects.get(action="membership.join")
    body = _body(client, county_officer)
    assert "طاهره بهدانی عضویت" in body and "را ثبت کرد" in body
    with translation.override("fa"):
        assert format_jalali_datetime(entry.at) in body
        assert format_money(12_500_000) in body  # separated, Persian digits, with its unit
        assert format_jalali(datetime.date(2024, 3, 20)) in body  # the fund's founding date, from an ISO string
    assert reverse("funds:membership", args=[membership.pk]) in body
    assert f'href="{reverse("people:detail", args=[member.pk])}"' in body  # the person named in the change
    assert "سپردهٔ اولیه" in body  # the change's label
    assert "membership.join" not in body and "opening_deposit" not in body
    assert "{&#x27;" not in body and "{'" not in body and "12500000" not in body
    assert "object (" not in body


def test_filters_by_kind_person_and_date(client, county_officer, fund_world, qaenat):
    treasurer = fund_world[1]
    org_services.base_create(by=county_officer, county=qaenat, name="پایگاه شهید فهمیده", place=None)
    everything = _body(client, county_officer)
    assert "پایگاه شهید فهمیده" in everything and "رقیه خزاعی" in everything

    funds_only = _body(client, county_officer, kind="funds")
    assert "رقیه خزاعی" in funds_only and "پایگاه شهید فهمیده" not in funds_only
    orgs_only = _body(client, county_officer, kind="orgs")
    assert "پایگاه شهید فهمیده" in orgs_only and "رقیه خزاعی" not in orgs_only

    by_treasurer = _body(client, county_officer, person="طاهره")
    assert "رقیه خزاعی" in by_treasurer and "پایگاه شهید فهمیده" not in by_treasurer
    by_mobile = _body(client, county_officer, person=treasurer.person.mobile.translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    assert "رقیه خزاعی" in by_mobile and "پایگاه شهید فهمیده" not in by_mobile

    today = format_jalali(timezone.localdate())
    assert "رقیه خزاعی" in _body(client, county_officer, since=today, until=today)
    tomorrow = format_jalali(timezone.localdate() + datetime.timedelta(days=1))
    later = _body(client, county_officer, since=tomorrow)
    assert "رقیه خزاعی" not in later and "پایگاه شهید فهمیده" not in later
    yesterday = format_jalali(timezone.localdate() - datetime.timedelta(days=1))
    assert "رقیه خزاعی" not in _body(client, county_officer, until=yesterday)


def test_another_countys_officer_sees_none_of_these_rows_whatever_the_filters(client, birjand_officer,
                                                                            fund_world):
    for params in ({}, {"kind": "funds"}, {"person": "طاهره"}, {"since": format_jalali(timezone.localdate())}):
        body = _body(client, birjand_officer, **params)
        assert "رقیه خزاعی" not in body and "طاهره بهدانی" not in body, params
        assert 'data-test="audit-row"' not in body


@pytest.mark.parametrize("params", [
    {"kind": "no-such-kind"}, {"since": "1403/13/40"}, {"until": "فردا"}, {"since": "x" * 500},
    {"person": "<script>alert(1)</script>"}, {"person": "x" * 500}, {"page": "-3"}, {"page": "abc"},
    {"since": "1403/05/01", "until": "1403/04/01"}, {"kind": ["funds", "orgs"]},
])
def test_bad_filter_input_never_breaks_the_page(client, county_officer, fund_world, params):
    body = _body(client, county_officer, **params)
    assert "<script>alert(1)</script>" not in body


def test_a_nul_character_is_refused_before_the_view(client, county_officer):
    client.force_login(county_officer)
    assert client.get(reverse("audit"), {"person": "\x00"}).status_code == 400  # core middleware, not a 500


def test_bad_filters_get_persian_messages_beside_them_and_the_rest_still_applies(client, county_officer,
                                                                               fund_world):
    body = _body(client, county_officer, kind="no-such-kind", since="1403/13/40")
    assert "نوع کار را از فهرست انتخاب کنید." in body
    assert re.search(r'data-field="since">.*?errorlist', body, re.S)
    assert "رقیه خزاعی" in body  # the bad filters are left out
    body = _body(client, county_officer, since="1403/05/01", until="1403/04/01")
    assert "پایان بازه پیش از آغاز آن است." in body


def test_the_pager_keeps_the_filters(client, county_officer, qaenat):
    for i in range(55):
        org_services.base_create(by=county_officer, county=qaenat, name=f"پایگاه {i}", place=None)
    body = _body(client, county_officer, kind="orgs")
    assert "kind=orgs&amp;before=" in body


def test_values_are_formatted_and_escaped_and_an_unknown_action_still_reads(db, county_officer, qaenat):
    from django.db import transaction

    from mardom.core.audit import audit_record
    from mardom.core.audit_text import present
    from mardom.production.chains import value_chains

    chain, chain_label = next(iter(value_chains().items()), ("saffron", "saffron"))
    with transaction.atomic():
        entry = audit_record(by=county_officer, action="test.unknown", obj=qaenat, scope_path=qaenat.path,
                             before={"note": "old"},
                             after={"note": "<script>alert(1)</script>", "amount": 5_000_000, "day": "2024-03-20",
                                    "value_chain": chain, "active": True, "producers": list(range(1, 12))})
    with translation.override("fa"):
        [row] = present([AuditEntry.objects.get(pk=entry.pk)])
        html = str(row.sentence) + "".join(f"{c.label}:{c.before}|{c.after}" for c in row.changes)
        assert "test.unknown" in html  # no sentence yet: the code is shown rather than nothing
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert format_money(5_000_000) in html and "۱۴۰۳/۰۱/۰۱" in html and "بله" in html
        assert chain_label in html
        assert "و ۳ مورد دیگر" in html  # a long list is cut short
        assert "old" in html  # the value before the change is kept beside the new one
