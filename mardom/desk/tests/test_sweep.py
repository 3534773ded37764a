"""The sweep: reminders as a deadline nears, late flags, escalation to the county then the province, once
each, only in working time, reading only the requests whose moment has come.

On the bare office week of `plain_calendar` (Saturday to Wednesday 8 to 16, Thursday and Friday off), a bank
loan submitted on Saturday 7 June 2025 at 9:00 (service level: first answer in 3 working days) has its first
answer due on Tuesday 10 June at 9:00 and turns amber (a quarter of the 24 working hours left) on Monday
9 June at 11:00.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from mardom.core.models import AuditEntry, Notification
from mardom.desk.models import Request, RequestStep
from mardom.desk.services import requests as services
from mardom.desk.services.sweep import next_sweep_moment, sweep, work_from
from mardom.desk.tasks import desk_sweep_task, schedule_next

from . import requests_world

at = requests_world.at
# The request tests' fixtures (a Qaenat world, a request maker, the bare office week), used here by name.
desk, make_request, plain_calendar = requests_world.desk, requests_world.make_request, requests_world.plain_calendar

pytestmark = pytest.mark.django_db

SUBMITTED = at(7, 9)
WARN = at(9, 11)
DUE = at(10, 9)


@pytest.fixture
def submitted(desk: SimpleNamespace, make_request: Any, plain_calendar: Any) -> Request:
    """The base's bank-loan request to the bank branch (which has its own officer), submitted on Saturday."""
    request = make_request()
    return services.request_submit(by=desk.base_officer, request=request, now=SUBMITTED)


def fresh(request: Request) -> Request:
    return Request.objects.get(pk=request.pk)


def steps(request: Request, action: str) -> list[RequestStep]:
    return list(RequestStep.objects.filter(request=request, action=action).order_by("at", "pk"))


def sms_to(user: Any) -> list[str]:
    return list(Notification.objects.filter(to=user.person.mobile).order_by("pk").values_list("key", flat=True))


def test_submitting_sets_the_deadlines_and_the_sweeps_first_moment(submitted: Request) -> None:
    assert (submitted.first_answer_due, submitted.warn_at) == (DUE, WARN)
    assert fresh(submitted).next_sweep_at == WARN


def test_nothing_is_done_before_the_light_turns_amber(submitted: Request, desk: SimpleNamespace) -> None:
    result = sweep(now=WARN - datetime.timedelta(minutes=1))
    assert result.looked_at == 0
    assert not RequestStep.objects.filter(request=submitted, action__in=["remind", "escalate"]).exists()
    assert sms_to(desk.bank_officer) == []


def test_a_reminder_goes_to_the_institutions_officer_once(submitted: Request, desk: SimpleNamespace) -> None:
    result = sweep(now=WARN)

    assert (result.reminded, result.escalated_county) == (1, 0)
    request = fresh(submitted)
    assert request.reminded_at == WARN and request.escalation_level == 0 and not request.first_answer_late
    [step] = steps(request, "remind")
    assert step.by is None and step.at == WARN and str(desk.bank_officer) in step.note
    assert sms_to(desk.bank_officer) == [f"desk:req{request.pk}:remind-first:u{desk.bank_officer.pk}"]
    text = Notification.objects.get(to=desk.bank_officer.person.mobile).text
    assert request.subject in text and "۱۴۰۴/۰۳/۲۰" in text  # the deadline, in Jalali (10 June 2025)
    entry = AuditEntry.objects.get(action="request.remind", object_id=str(request.pk))
    assert entry.actor is None and entry.scope_path == request.path
    assert request.next_sweep_at == DUE + datetime.timedelta(seconds=1)  # next: the deadline passing

    # Again at once, and again later before the deadline: nothing more.
    assert sweep(now=WARN).looked_at == 0
    assert sweep(now=at(9, 15)).looked_at == 0
    assert len(steps(request, "remind")) == 1 and len(sms_to(desk.bank_officer)) == 1


def test_the_deadline_passing_marks_the_request_late_and_escalates_to_the_county(
        submitted: Request, desk: SimpleNamespace) -> None:
    sweep(now=WARN)
    result = sweep(now=at(10, 9, 30))

    assert (result.marked_late, result.escalated_county, result.reminded) == (1, 1, 0)
    request = fresh(submitted)
    assert request.first_answer_late and not request.decision_late
    assert (request.escalation_level, request.escalated_at) == (1, at(10, 9, 30))
    [step] = steps(request, "escalate")
    assert str(desk.officer) in step.note
    assert sms_to(desk.officer) == [f"desk:req{request.pk}:escalate1:u{desk.officer.pk}"]
    assert sms_to(desk.province) == []
    assert AuditEntry.objects.filter(action="request.escalate", object_id=str(request.pk)).count() == 1
    assert AuditEntry.objects.filter(action="request.late", object_id=str(request.pk)).count() == 1
    # Three working days later (Thursday and Friday off): the province, on Sunday 15 June at 9:30.
    assert request.next_sweep_at == at(15, 9, 30)


def test_three_working_days_later_it_goes_to_the_province_once(submitted: Request, desk: SimpleNamespace) -> None:
    sweep(now=at(10, 9, 30))
    assert sweep(now=at(15, 9, 29)).escalated_province == 0
    assert fresh(submitted).escalation_level == 1

    result = sweep(now=at(15, 9, 30))

    assert result.escalated_province == 1
    request = fresh(submitted)
    assert request.escalation_level == 2
    assert [s.note for s in steps(request, "escalate")][1].find(str(desk.province)) >= 0
    assert sms_to(desk.province) == [f"desk:req{request.pk}:escalate2:u{desk.province.pk}"]
    # Nothing is left to do for this deadline but the decision's late flag.
    assert request.next_sweep_at == request.decision_due + datetime.timedelta(seconds=1)
    for later in (at(15, 12), at(22, 10), at(30, 10)):
        sweep(now=later)
    request = fresh(submitted)
    assert len(steps(request, "escalate")) == 2 and len(sms_to(desk.officer)) == 1 and len(sms_to(desk.province)) == 1
    assert request.decision_late  # the decision (15 working days) was due by 30 June too
    assert request.next_sweep_at is None


def test_no_reminder_at_night_it_waits_for_the_next_working_moment(submitted: Request, desk: SimpleNamespace) -> None:
    result = sweep(now=at(9, 20))  # Monday 20:00, after the amber moment
    assert result.reminded == 0 and sms_to(desk.bank_officer) == []
    assert fresh(submitted).next_sweep_at == at(10, 8)  # Tuesday 8:00

    assert sweep(now=at(10, 3)).looked_at == 0  # 3 in the morning: not yet
    assert sweep(now=at(10, 8)).reminded == 1
    assert len(sms_to(desk.bank_officer)) == 1


def test_a_deadline_passed_on_thursday_is_escalated_on_saturday_not_before(
        submitted: Request, desk: SimpleNamespace) -> None:
    result = sweep(now=at(12, 10))  # Thursday (off): the deadline passed on Tuesday, nobody has swept since

    assert (result.marked_late, result.escalated_county, result.reminded) == (1, 0, 0)
    request = fresh(submitted)
    assert request.first_answer_late and request.escalation_level == 0  # late is a fact, whatever the hour
    assert AuditEntry.objects.filter(action="request.late", object_id=str(request.pk)).count() == 1
    assert not steps(request, "escalate") and sms_to(desk.officer) == []
    assert request.next_sweep_at == at(14, 8)  # Saturday 8:00

    assert sweep(now=at(13, 10)).looked_at == 0  # Friday
    assert sweep(now=at(14, 8)).escalated_county == 1
    assert not steps(fresh(submitted), "remind")  # too late for a reminder: it was not sent after the deadline
    assert len(sms_to(desk.officer)) == 1


def test_the_late_flag_stays_after_the_late_answer(submitted: Request, desk: SimpleNamespace) -> None:
    sweep(now=at(10, 10))
    services.request_receive(by=desk.bank_officer, request=submitted, now=at(10, 11))
    request = fresh(submitted)
    assert request.first_answer_late and request.escalation_level == 1
    # Now the decision's deadline runs (by 30 June): its reminder is due, and no new county escalation.
    assert request.due_at == request.decision_due
    assert request.next_sweep_at == request.warn_at


def test_each_deadline_has_its_own_reminder(submitted: Request, desk: SimpleNamespace) -> None:
    sweep(now=WARN)
    services.request_receive(by=desk.bank_officer, request=submitted, now=at(9, 12))
    request = fresh(submitted)
    assert not request.first_answer_late and request.next_sweep_at == request.warn_at
    sweep(now=request.warn_at)
    request = fresh(submitted)
    assert [step.at for step in steps(request, "remind")] == [WARN, request.warn_at]
    assert sms_to(desk.bank_officer) == [f"desk:req{request.pk}:remind-first:u{desk.bank_officer.pk}",
                                         f"desk:req{request.pk}:remind-decision:u{desk.bank_officer.pk}"]


def test_an_answered_request_is_left_alone(submitted: Request, desk: SimpleNamespace) -> None:
    services.request_receive(by=desk.bank_officer, request=submitted, now=at(8, 9))
    services.request_answer(by=desk.bank_officer, request=submitted, outcome="granted", now=at(8, 10))
    assert fresh(submitted).next_sweep_at is None
    assert sweep(now=at(30, 10)).looked_at == 0
    request = fresh(submitted)
    assert not (request.first_answer_late or request.decision_late) and request.escalation_level == 0


def test_waiting_on_the_person_stops_the_chase(submitted: Request, desk: SimpleNamespace) -> None:
    services.request_receive(by=desk.bank_officer, request=submitted, now=at(8, 9))
    services.request_wait_on_person(by=desk.bank_officer, request=submitted, note="کپی سند زمین",
                                    now=at(8, 10))
    result = sweep(now=at(30, 10))  # long after every deadline as first set
    request = fresh(submitted)
    assert result.looked_at <= 1 and request.escalation_level == 0 and not request.decision_late
    assert request.next_sweep_at is None and not steps(request, "escalate")
    services.request_resume(by=desk.base_officer, request=request, now=at(30, 11))
    request = fresh(submitted)
    assert request.next_sweep_at is not None and request.next_sweep_at > at(30, 11)


def test_without_an_officer_in_mardom_the_desk_is_reminded(desk: SimpleNamespace, make_request: Any,
                                                          plain_calendar: Any) -> None:
    request = make_request(institution=desk.agency, kind="agency_support", amount_asked=None)
    request = services.request_submit(by=desk.base_officer, request=request, now=SUBMITTED)
    sweep(now=request.warn_at)
    assert sms_to(desk.officer) == [f"desk:req{request.pk}:remind-first:u{desk.officer.pk}"]
    assert str(desk.officer) in steps(request, "remind")[0].note


def test_the_sweep_reads_only_what_has_come_due(desk: SimpleNamespace, make_request: Any, plain_calendar: Any,
                                                django_assert_num_queries: Any) -> None:
    for i in range(6):
        services.request_submit(by=desk.base_officer, request=make_request(subject=f"وام {i}"), now=SUBMITTED)
    make_request(subject="پیش‌نویس")  # a draft: no deadline
    with django_assert_num_queries(1):
        assert sweep(now=WARN - datetime.timedelta(minutes=1)).looked_at == 0


def test_a_run_costs_a_bounded_number_of_queries_per_request(desk: SimpleNamespace, make_request: Any,
                                                             plain_calendar: Any,
                                                             django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        services.request_submit(by=desk.base_officer, request=make_request(subject=f"وام {i}"), now=SUBMITTED)
    with django_assert_max_num_queries(1 + 5 * 16):  # each: lock, update, step, figures (2), audit, officers, SMS
        assert sweep(now=at(10, 10)).escalated_county == 5


def test_the_limit_leaves_the_rest_for_the_next_run(desk: SimpleNamespace, make_request: Any,
                                                    plain_calendar: Any) -> None:
    for i in range(3):
        services.request_submit(by=desk.base_officer, request=make_request(subject=f"وام {i}"), now=SUBMITTED)
    assert sweep(now=at(10, 10), limit=2).escalated_county == 2
    assert sweep(now=at(10, 10), limit=2).escalated_county == 1
    assert sweep(now=at(10, 10), limit=2).looked_at == 0


def test_work_from(plain_calendar: Any) -> None:
    cal = plain_calendar
    assert work_from(cal, at(9, 10, 30)) == at(9, 10, 30)
    assert work_from(cal, at(9, 7)) == at(9, 8)
    assert work_from(cal, at(11, 16)) == at(14, 8)  # Wednesday's end: Saturday morning
    assert work_from(cal, at(12, 10)) == at(14, 8)  # Thursday
    assert work_from(cal, at(13, 23, 59)) == at(14, 8)  # Friday night


def test_next_moment_of_a_draft_or_a_closed_request_is_none(desk: SimpleNamespace, make_request: Any,
                                                           plain_calendar: Any) -> None:
    draft = make_request()
    assert next_sweep_moment(plain_calendar, draft) is None
    services.request_withdraw(by=desk.base_officer, request=draft, now=at(7, 10))
    assert fresh(draft).next_sweep_at is None


# --- the command and the task ------------------------------------------------------------------------------

def test_the_command_sweeps_now(submitted: Request, desk: SimpleNamespace, capsys: Any) -> None:
    with time_machine.travel(at(10, 10), tick=False):
        call_command("desk-sweep")
    assert "escalated to the county 1" in capsys.readouterr().out
    assert fresh(submitted).escalation_level == 1


def test_the_task_sweeps_and_on_the_immediate_backend_queues_nothing(submitted: Request) -> None:
    with time_machine.travel(at(10, 10), tick=False):
        result = desk_sweep_task.enqueue()
    assert result.return_value["escalated_county"] == 1
    assert schedule_next() is False  # the immediate backend cannot defer: cron runs the command


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_on_the_database_worker_the_task_queues_its_next_run_once(submitted: Request) -> None:
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel(at(10, 10), tick=False):
        assert schedule_next(at_once=True) is True
        assert schedule_next(at_once=True) is False  # one waiting run is enough
        [first] = DBTaskResult.objects.all()
        assert first.run_after == at(10, 10)
        # The worker runs it: it sweeps, then queues the next run a quarter of an hour on.
        context = SimpleNamespace(task_result=SimpleNamespace(id=first.id))
        DBTaskResult.objects.filter(id=first.id).update(status="RUNNING")
        outcome = desk_sweep_task.func(context)
    assert outcome["escalated_county"] == 1
    [waiting] = DBTaskResult.objects.filter(status="READY")
    assert waiting.run_after == at(10, 10, 15) and waiting.task_path == desk_sweep_task.module_path
    call_command("desk-sweep", "--start")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
