"""Reads of requests: the traffic light (one rule, as a value and as a filter), what each reader sees, the
person's file section, the institution suggestion."""

from __future__ import annotations

import datetime

import pytest

from mardom.desk.models import Request
from mardom.desk.selectors import requests as selectors
from mardom.desk.services import requests as services

from . import requests_world as world
from .requests_world import at

desk, make_request, plain_calendar = world.desk, world.make_request, world.plain_calendar
pytestmark = pytest.mark.django_db


def test_the_light_turns_amber_at_a_quarter_left_and_red_when_late_and_the_filter_agrees(desk, make_request,
                                                                                          plain_calendar):
    r = services.request_submit(by=desk.base_officer, request=make_request(), now=at(7, 9))  # due Tue 10th 09:00
    moments = {
        at(7, 10): "green", at(9, 10, 59): "green", at(9, 11): "amber",  # 1,080 of 1,440 minutes gone
        at(10, 8, 59): "amber", at(10, 9): "red", at(20, 9): "red",
    }
    for moment, code in moments.items():
        assert selectors.light_of(r, now=moment).code == code, moment
        for other in ("green", "amber", "red", "paused"):
            matched = Request.objects.filter(selectors.light_q(other, now=moment), pk=r.pk).exists()
            assert matched == (other == code), (moment, other)
    r = services.request_receive(by=desk.bank_officer, request=r, now=at(8, 9))
    r = services.request_wait_on_person(by=desk.bank_officer, request=r, note="مدرک", now=at(8, 10))
    assert selectors.light_of(r, now=at(30, 9)).code == "paused"
    assert Request.objects.filter(selectors.light_q("paused", now=at(30, 9)), pk=r.pk).exists()


def test_no_light_for_a_draft_or_an_answered_request_but_its_late_flags_stay(desk, make_request, plain_calendar):
    draft = make_request()
    assert selectors.light_of(draft, now=at(20, 9)) is None
    r = services.request_submit(by=desk.base_officer, request=make_request(), now=at(7, 9))
    r = services.request_answer(by=desk.bank_officer, request=r, outcome="refused", refusal_reason="no_budget",
                                now=at(30, 9))
    assert selectors.light_of(r, now=at(30, 10)) is None and r.is_late


def test_what_each_reader_sees(desk, make_request, auditor):
    r = services.request_submit(by=desk.base_officer, request=make_request(), now=at(7, 9))
    for who in ("officer", "base_officer", "bank_officer", "person_user", "province"):
        assert selectors.request_get(user=getattr(desk, who), pk=r.pk) == r, who
    assert selectors.request_get(user=auditor, pk=r.pk) == r  # the audit log links to it
    assert not selectors.actions_for(user=auditor, request=r).any
    for who in ("birjand_officer", "other_bank_officer", "stranger"):
        with pytest.raises(Exception) as missing:
            selectors.request_get(user=getattr(desk, who), pk=r.pk)
        assert missing.type.__name__ == "Http404", who
    assert list(selectors.inbox(user=desk.bank_officer)) == [r]
    assert list(selectors.inbox(user=desk.other_bank_officer)) == []
    assert list(selectors.desk_list(user=desk.birjand_officer)) == []
    assert list(selectors.my_requests(user=desk.person_user)) == [r]


def test_the_file_section_shows_the_persons_requests_to_those_who_may_see_them(desk, make_request):
    assert selectors.file_section(viewer=desk.officer, person=desk.person) is None
    r = services.request_submit(by=desk.base_officer, request=make_request(), now=at(7, 9))
    section = selectors.file_section(viewer=desk.officer, person=desk.person)
    assert section is not None and [x.pk for x in section["requests"]] == [r.pk]
    assert section["requests"][0].light is not None and section["template"] == "desk/request_file.html"
    assert selectors.file_section(viewer=desk.person_user, person=desk.person) is not None
    assert selectors.file_section(viewer=desk.birjand_officer, person=desk.person) is None
    assert selectors.file_section(viewer=desk.other_bank_officer, person=desk.person) is None


def test_the_suggestion_goes_by_kind_county_and_the_institutions_stated_services(desk):
    text = "وام خرید دام سبک"
    names = [i.pk for i in selectors.suggest_institutions(kind="bank_loan", county=desk.county, text=text)]
    assert names[0] == desk.bank.pk  # «تسهیلات کشاورزی و دام»
    assert desk.agency.pk not in names and desk.centre.pk not in names  # not banks
    training = selectors.suggest_institutions(kind="training", county=desk.county, text="دوره خیاطی")
    assert [i.pk for i in training] == [desk.centre.pk]
    # Same county before the rest of the province when the words say nothing.
    anything = selectors.suggest_institutions(kind="bank_loan", county=desk.county, text="")
    assert anything[-1].pk == desk.birjand_bank.pk


def test_the_lists_order_by_the_nearest_deadline(desk, make_request, plain_calendar):
    later = services.request_submit(by=desk.base_officer, request=make_request(subject="بعدی"), now=at(9, 9))
    sooner = services.request_submit(by=desk.base_officer, request=make_request(subject="زودتر"), now=at(7, 9))
    draft = make_request(subject="پیش‌نویس")
    assert list(selectors.desk_list(user=desk.officer)) == [sooner, later, draft]  # no deadline last
    assert list(selectors.desk_list(user=desk.officer, status="open")) == [sooner, later]
    assert list(selectors.desk_list(user=desk.officer, light="red", now=at(10, 10))) == [sooner]
    assert list(selectors.desk_list(user=desk.officer, light="red",
                                    now=datetime.datetime(2025, 6, 7, 10, tzinfo=later.due_at.tzinfo))) == []
