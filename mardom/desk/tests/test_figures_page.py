"""The performance page: what each viewer sees (scope), the figures it shows, bad parameters, and its cost."""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mardom.desk.models import InstitutionFigures, Request
from mardom.desk.models.figures import BUCKET_EDGES
from mardom.desk.selectors import figures as sel
from mardom.desk.services import figures
from mardom.desk.services import requests as svc
from mardom.orgs import services as orgs

from . import requests_world as world
from .requests_world import at

pytestmark = pytest.mark.django_db
desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar

URL = reverse("desk:performance")
# 1404/04/08, a Sunday; the requests below are sent in June 2025 (Khordad and Tir 1404).
TODAY = datetime.datetime(2025, 6, 29, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def traffic(desk: Any, make_request: Any, plain_calendar: Any) -> Any:
    """At the Keshavarzi branch: one answered late and partly, one refused in time, one still open and late;
    at the agency (no officer of its own) a permit answered through the desk; at Birjand's bank one sent."""
    one = make_request()
    svc.request_submit(by=desk.base_officer, request=one, now=at(7, 9))
    svc.request_receive(by=desk.bank_officer, request=one, now=at(7, 11))
    svc.request_answer(by=desk.bank_officer, request=one, outcome="partly", granted_amount=100_000_000,
                       now=at(28, 15))
    two = make_request(amount_asked=300_000_000)
    svc.request_submit(by=desk.base_officer, request=two, now=at(8, 9))
    svc.request_answer(by=desk.bank_officer, request=two, outcome="refused", refusal_reason="no_budget",
                       now=at(9, 9))
    three = make_request()
    svc.request_submit(by=desk.base_officer, request=three, now=at(8, 9))  # first answer due on the 11th
    permit = make_request(kind="permit", amount_asked=None, institution=desk.agency, subject="مجوز دامداری")
    svc.request_submit(by=desk.base_officer, request=permit, now=at(7, 9))
    svc.request_answer(by=desk.officer, request=permit, outcome="granted", said_by="آقای رضایی", channel="phone",
                       now=at(9, 9))
    birjand = make_request(by=desk.birjand_officer, person=desk.birjand_person, unit=desk.birjand,
                           institution=desk.birjand_bank)
    svc.request_submit(by=desk.birjand_officer, request=birjand, now=at(7, 9))
    return desk


def get(client: Any, user: Any, **params: Any) -> Any:
    client.force_login(user)
    with time_machine.travel(TODAY, tick=False):
        return client.get(URL, {"year": "1404", **params})


def test_percentile_reads_the_band_and_interpolates() -> None:
    hist = [0] * (len(BUCKET_EDGES) + 1)
    hist[BUCKET_EDGES.index(480) + 1] = 4  # four decisions between 1 and 1.5 working days
    assert sel.percentile(hist, Fraction(1, 2)) == (600, False)  # half-way through the band
    hist[-1] = 6
    assert sel.percentile(hist, Fraction(9, 10)) == (BUCKET_EDGES[-1], True)
    assert sel.percentile([0] * len(hist), Fraction(1, 2)) is None


def test_working_time_in_persian_words() -> None:
    assert sel.working_time_text(90) == "۱٫۵ ساعت کاری"
    day = 7 * 60  # the default office day, 07:00 to 14:00
    assert sel.working_time_text(day) == "۱ روز کاری"
    assert sel.working_time_text(day * 5 // 2) == "۲٫۵ روز کاری"
    assert sel.working_time_text(day * 12 + 100) == "۱۲ روز کاری"
    assert sel.working_time_text(day * 90, open_ended=True) == "بیش از ۹۰ روز کاری"
    assert sel.working_time_text(None) == "—"


def test_the_county_officer_sees_her_institutions_figures(client, traffic):
    page = get(client, traffic.officer)
    assert page.status_code == 200
    html = page.content.decode()
    assert "عملکرد نهادها" in html
    assert traffic.bank.name in html and traffic.agency.name in html
    assert traffic.birjand_bank.name not in html
    data = page.context["page"]
    total = data.total.this
    assert (total.received, total.decided, total.first_answered, total.late_now) == (4, 3, 3, 1)
    # first answers: 3 on time, and one open past its first-answer deadline: 3 of 4
    assert total.first_on_time_permille == 750
    assert total.granted_permille == 100_000_000 * 1000 // 800_000_000
    assert [(str(r["label"]), r["this"], r["share"]) for r in data.refusals if r["this"]] == [
        (str(Request.RefusalReason.NO_BUDGET.label), 1, 1000)]
    assert str(Request.RefusalReason.NO_BUDGET.label) in html
    rows = {r.label: r for r in page.context["branch_rows"]}
    bank = rows[traffic.bank.name].this
    assert (bank.received, bank.decided, bank.decided_on_time, bank.late_now) == (3, 2, 1, 1)
    assert bank.decision_on_time_permille == 333  # one of two decided in time, and the open one is late too
    assert [r.label for r in data.counties] == [traffic.county.name]
    assert {r.label for r in data.institutions} == {"بانک کشاورزی", "دستگاه اجرایی"}


def test_last_year_is_shown_beside(client, traffic, make_request):
    old = make_request(now=at(2, 9, month=3))
    svc.request_submit(by=traffic.base_officer, request=old, now=at(2, 10, month=3))  # 1403/12/12
    page = get(client, traffic.officer)
    assert (page.context["page"].total.this.received, page.context["page"].total.last.received) == (4, 1)
    earlier = get(client, traffic.officer, year="1403")
    assert earlier.context["page"].total.this.received == 1


def test_another_county_and_the_province(client, traffic):
    birjand = get(client, traffic.birjand_officer)
    assert birjand.status_code == 200
    assert birjand.context["page"].total.this.received == 1
    assert traffic.bank.name not in birjand.content.decode()
    assert get(client, traffic.birjand_officer, county=str(traffic.county.pk)).status_code == 404
    province = get(client, traffic.province)
    assert province.context["page"].total.this.received == 5
    assert {r.label for r in province.context["page"].counties} == {traffic.county.name, traffic.birjand.name}
    narrowed = get(client, traffic.province, county=str(traffic.birjand.pk))
    assert narrowed.context["page"].total.this.received == 1


def test_an_institution_officer_sees_only_her_institution(client, traffic):
    own = get(client, traffic.bank_officer)
    assert own.status_code == 200
    assert [r.label for r in own.context["branch_rows"]] == [traffic.bank.name]
    assert own.context["page"].total.this.received == 3
    other = get(client, traffic.other_bank_officer)
    assert other.status_code == 200 and other.context["page"].total.this.received == 0
    assert traffic.bank.name not in other.content.decode()
    assert get(client, traffic.bank_officer, county=str(traffic.county.pk)).status_code == 404


def test_without_a_desk_role_the_page_is_refused(client, traffic):
    assert get(client, traffic.stranger).status_code == 403
    assert get(client, traffic.person_user).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("params", [{"year": "abc"}, {"year": "۱۴۰۴"}, {"kind": "nonsense"}, {"page": "x9"},
                                    {"year": "1300"}])
def test_odd_parameters_never_fail(client, traffic, params):
    assert get(client, traffic.officer, **params).status_code == 200


@pytest.mark.parametrize("county", ["abc", "99999999", "-1", "1" * 20])
def test_a_county_not_in_scope_is_not_found(client, traffic, county):
    assert get(client, traffic.officer, county=county).status_code == 404


def test_the_kind_narrows_every_table(client, traffic):
    page = get(client, traffic.officer, kind="permit")
    assert page.context["page"].total.this.received == 1
    assert [r.label for r in page.context["branch_rows"]] == [traffic.agency.name]


def _institutions(w: Any, n: int, start: int = 0) -> None:
    """n institutions in Qaenat, each with figures rows for this year and last."""
    rows = []
    for i in range(start, start + n):
        unit = orgs.institution_create(by=w.officer, county=w.county, name=f"بانک {i}", place=None,
                                       type="bank_branch", bank=["melli", "sepah", "mellat"][i % 3])
        for year in (1403, 1404):
            rows.append(InstitutionFigures(receiver_id=unit.pk, county_id=w.county.pk, path=unit.path,
                                           receiver_type="bank_branch", bank=unit.bank, year=year,
                                           kind="bank_loan", received=5, first_answered=4, first_on_time=3,
                                           decided=3, decided_on_time=2, fa_05=4, dc_09=3))
    InstitutionFigures.objects.bulk_create(rows)


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_costs_the_same_for_more_institutions(client, desk, n, django_assert_max_num_queries):
    _institutions(desk, n)
    client.force_login(desk.officer)
    with time_machine.travel(TODAY, tick=False):
        client.get(URL, {"year": "1404"})  # the session and the user are read once
        with django_assert_max_num_queries(13):
            page = client.get(URL, {"year": "1404"})
    assert page.status_code == 200
    assert len(page.context["branch_rows"]) == n
    assert page.context["page"].total.this.received == 5 * n


def test_the_same_number_of_queries_for_3_and_for_30_institutions(client, desk):
    counts = []
    client.force_login(desk.officer)
    for start, n in ((0, 3), (3, 27)):
        _institutions(desk, n, start)
        with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as captured:
            page = client.get(URL, {"year": "1404"})
        assert page.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_page_reads_no_request_history(client, traffic):
    client.force_login(traffic.officer)
    with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as captured:
        client.get(URL, {"year": "1404"})
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "desk_requeststep" not in sql
    assert figures.figures_differences() == []


def test_the_nav_links_the_page_for_desk_roles_only(client, traffic):
    client.force_login(traffic.officer)
    assert URL in client.get(reverse("home")).content.decode()
    client.force_login(traffic.bank_officer)
    assert URL in client.get(reverse("home")).content.decode()
    client.force_login(traffic.stranger)
    assert URL not in client.get(reverse("home")).content.decode()


def test_now_is_the_moment_overdue_is_counted_at(traffic):
    query = sel.performance_query(user=traffic.officer, year="1404", now=at(10, 9))
    assert sel.performance(query).total.this.late_now == 0  # the open request's first answer is due on the 11th
