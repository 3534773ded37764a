"""A training request at the desk is answered by the course: the centre enrols the person for her request, and
when she completes the course the request is granted, by the course's record, in the same transaction."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.desk.models import Request, RequestStep
from mardom.desk.services import requests as desk
from mardom.training import services
from mardom.training.models import Enrolment

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _request(tw, *, kind="training", institution=None, person=None):
    r = desk.request_create(by=tw.officer, person=person or tw.people[0], unit=tw.county, kind=kind,
                            subject="آموزش بسته‌بندی زعفران", amount_asked=None if kind == "training" else 10_000_000,
                            institution=institution or tw.centre, now=NOW - datetime.timedelta(days=3))
    return desk.request_submit(by=tw.officer, request=r, now=NOW - datetime.timedelta(days=3))


def test_completing_the_course_grants_the_training_request(tw):
    request = _request(tw)
    e = services.enrolment_create(by=tw.centre_officer, course=tw.course, person=tw.people[0], now=NOW,
                                  desk_request=request)
    assert e.desk_request_id == request.pk
    for s in tw.sessions[:2]:
        services.attendance_mark(by=tw.trainer, session=s, present=[e.pk], now=s.starts_at)
    e.refresh_from_db()
    request.refresh_from_db()
    assert e.status == "completed"
    assert request.status == Request.Status.ANSWERED and request.outcome == Request.Outcome.GRANTED
    assert e.certificate.code in request.answer_text and request.first_answer_at is not None
    step = request.steps.get(action=RequestStep.Action.ANSWER)
    assert step.by is None and step.from_status == Request.Status.SUBMITTED
    assert AuditEntry.objects.filter(action="request.answer", object_id=str(request.pk)).count() == 1


def test_a_request_that_is_not_her_training_request_is_refused_and_nothing_is_made(tw):
    loan = _request(tw, kind="bank_loan", institution=tw.bank)
    someone_elses = _request(tw, person=tw.people[1])
    for request in (loan, someone_elses):
        with pytest.raises(DomainError) as refused:
            services.enrolment_create(by=tw.centre_officer, course=tw.course, person=tw.people[0], now=NOW,
                                      desk_request=request)
        assert refused.value.field == "request"
    assert not Enrolment.objects.exists()
    withdrawn = _request(tw)
    desk.request_withdraw(by=tw.officer, request=withdrawn, now=NOW)
    with pytest.raises(DomainError):
        services.enrolment_create(by=tw.centre_officer, course=tw.course, person=tw.people[0], now=NOW,
                                  desk_request=withdrawn)
    assert not Enrolment.objects.exists()


def test_a_request_withdrawn_meanwhile_is_left_as_it_is_and_the_course_still_completes(tw):
    request = _request(tw)
    e = services.enrolment_create(by=tw.centre_officer, course=tw.course, person=tw.people[0], now=NOW,
                                  desk_request=request)
    desk.request_withdraw(by=tw.officer, request=request, now=NOW)
    for s in tw.sessions[:2]:
        services.attendance_mark(by=tw.trainer, session=s, present=[e.pk], now=s.starts_at)
    e.refresh_from_db()
    request.refresh_from_db()
    assert e.status == "completed" and request.status == Request.Status.WITHDRAWN and not request.outcome


def test_the_publisher_gives_the_request_number_on_the_course_page(tw):
    request = _request(tw)
    client = Client()
    client.force_login(tw.centre_officer)
    url = reverse("training:enrol-person", args=[tw.course.pk])
    with time_machine.travel(NOW, tick=False):
        wrong = client.post(url, {"national_id": tw.people[0].national_id, "desk_request": "۹۹۹۹۹"})
        assert wrong.status_code == 400 and "هیچ درخواستی با این شماره" in wrong.content.decode()
        assert not Enrolment.objects.exists()
        response = client.post(url, {"national_id": tw.people[0].national_id, "desk_request": str(request.pk)})
    assert response.status_code == 302
    assert Enrolment.objects.get().desk_request_id == request.pk
