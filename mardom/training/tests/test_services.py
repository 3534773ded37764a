"""Training services: publishing, enrolment with capacity and a waiting list, eligibility, attendance (the
trainer's list and the QR scan), completion and the certificate; each refusal in Persian with nothing changed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry, Notification
from mardom.training import services, tokens
from mardom.training.models import Attendance, Certificate, Course, Enrolment, Session

from .conftest import NOW, at, make_course

pytestmark = pytest.mark.django_db


def state():
    """Everything a training service writes."""
    return (Course.objects.count(), Session.objects.count(),
            sorted(Enrolment.objects.values_list("pk", "status", "seat_at")),
            sorted(Attendance.objects.values_list("pk", "present")), Certificate.objects.count(),
            list(Course.objects.order_by("pk").values_list("status", "seats_taken")),
            AuditEntry.objects.count(), Notification.objects.count())


def refused(call, **kwargs):
    """Run a service expected to refuse: a Persian message, and nothing written."""
    before = state()
    with translation.override("fa"), pytest.raises(DomainError) as error:
        call(**kwargs)
    assert state() == before
    message = str(error.value.message)
    assert any("\u0600" <= ch <= "\u06ff" for ch in message), message
    return error.value


def enrol(w, i, now=NOW):
    return services.enrolment_create(by=w.trainees[i], course=w.course, person=w.people[i], now=now)


# --- publishing -------------------------------------------------------------------------------------------

def test_a_centre_officer_publishes_a_course_of_her_centre_only(tw):
    assert tw.course.status == "published" and tw.course.county == tw.county and len(tw.sessions) == 3
    assert AuditEntry.objects.filter(action="course.publish", object_id=str(tw.course.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.course_create(by=tw.other_officer, unit=tw.centre, title="x", venue="y", capacity=3, min_sessions=1)
    with pytest.raises(PermissionDenied):
        services.course_create(by=tw.trainer, unit=tw.centre, title="x", venue="y", capacity=3, min_sessions=1)


def test_a_bank_branch_publishes_no_course(tw):
    error = refused(services.course_create, by=tw.bank_officer, unit=tw.bank, title="x", venue="y", capacity=3,
                    min_sessions=1)
    assert error.field == "unit"


def test_a_county_officer_publishes_for_the_county_itself(tw):
    course = make_course(tw.officer, tw.county, publish=False)
    assert course.county == tw.county and course.status == "draft"


@pytest.mark.parametrize(("field", "over"), [
    ("capacity", {"capacity": 0}), ("title", {"title": "  "}), ("venue", {"venue": ""}),
    ("eligible_unit", {"eligibility": "colony"}), ("eligible_product", {"eligibility": "product"}),
    ("value_chain", {"value_chain": "no-such-chain"}),
])
def test_bad_course_fields_are_refused(tw, field, over):
    kwargs = {"by": tw.centre_officer, "unit": tw.centre, "title": "دوره", "venue": "قاین", "capacity": 5,
              "min_sessions": 1, **over}
    assert refused(services.course_create, **kwargs).field == field


def test_a_session_must_end_after_it_starts_and_not_overlap(tw):
    draft = make_course(tw.centre_officer, tw.centre, publish=False)
    assert refused(services.session_add, by=tw.centre_officer, course=draft, starts_at=at(9, 12),
                   ends_at=at(9, 10)).field == "ends_at"
    assert refused(services.session_add, by=tw.centre_officer, course=draft, starts_at=at(1, 11),
                   ends_at=at(1, 13)).field == "starts_at"


def test_publishing_needs_enough_sessions_and_one_ahead(tw):
    draft = make_course(tw.centre_officer, tw.centre, sessions=1, min_sessions=2, publish=False)
    assert refused(services.course_publish, by=tw.centre_officer, course=draft, now=NOW).field == "min_sessions"
    past = make_course(tw.centre_officer, tw.centre, sessions=2, min_sessions=1, publish=False, first_day=-5)
    refused(services.course_publish, by=tw.centre_officer, course=past, now=NOW)
    refused(services.course_publish, by=tw.centre_officer, course=tw.course, now=NOW)  # not a draft any more
    refused(services.session_add, by=tw.centre_officer, course=tw.course, starts_at=at(9, 10), ends_at=at(9, 12))


def test_the_transition_table_is_complete_and_final_states_are_final():
    assert set(services.COURSE_TRANSITIONS) == set(Course.Status.values)
    assert set(services.ENROLMENT_TRANSITIONS) == set(Enrolment.Status.values)
    assert not services.COURSE_TRANSITIONS["cancelled"]
    assert not services.ENROLMENT_TRANSITIONS["completed"] and not services.ENROLMENT_TRANSITIONS["withdrawn"]


# --- enrolment, capacity, waiting list --------------------------------------------------------------------

def test_enrolment_beyond_capacity_goes_to_the_waiting_list_in_order(tw):
    first, second = enrol(tw, 0), enrol(tw, 1)
    assert first.status == second.status == "enrolled"
    third = enrol(tw, 2, now=NOW + datetime.timedelta(minutes=1))
    fourth = enrol(tw, 3, now=NOW + datetime.timedelta(minutes=2))
    assert third.status == fourth.status == "waiting" and third.seat_at is None
    tw.course.refresh_from_db()
    assert tw.course.seats_taken == 2
    assert Notification.objects.filter(key=f"training:wait:{third.pk}", to=tw.people[2].mobile).exists()
    # A seat frees up: the first person waiting gets it, and is told.
    later = at(1, 8)
    services.enrolment_withdraw(by=tw.trainees[0], enrolment=first, now=later)
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.status == "enrolled" and third.seat_at == later and fourth.status == "waiting"
    assert Notification.objects.filter(key=f"training:seat:{third.pk}").exists()
    assert AuditEntry.objects.filter(action="enrolment.promote", object_id=str(third.pk)).exists()
    tw.course.refresh_from_db()
    assert tw.course.seats_taken == 2


def test_a_full_course_without_a_waiting_list_refuses(tw):
    course = make_course(tw.centre_officer, tw.centre, capacity=1, waitlist_open=False)
    services.enrolment_create(by=tw.trainees[0], course=course, person=tw.people[0], now=NOW)
    error = refused(services.enrolment_create, by=tw.trainees[1], course=course, person=tw.people[1], now=NOW)
    assert error.field == "person"


def test_enrolling_twice_is_refused(tw):
    enrol(tw, 0)
    refused(services.enrolment_create, by=tw.trainees[0], course=tw.course, person=tw.people[0], now=NOW)


def test_nobody_enrols_someone_else_except_the_publisher(tw):
    with pytest.raises(PermissionDenied):
        services.enrolment_create(by=tw.trainees[0], course=tw.course, person=tw.people[1], now=NOW)
    with pytest.raises(PermissionDenied):
        services.enrolment_create(by=tw.other_officer, course=tw.course, person=tw.people[1], now=NOW)
    assert services.enrolment_create(by=tw.centre_officer, course=tw.course, person=tw.people[1],
                                     now=NOW).status == "enrolled"


def test_the_county_rule_refuses_someone_from_another_county(tw):
    error = refused(services.enrolment_create, by=tw.outsider, course=tw.course, person=tw.outsider.person, now=NOW)
    assert "قاینات" in str(error.message)


def test_a_colony_course_takes_only_the_colonys_members(tw, saffron_growers):
    growers = saffron_growers(4)
    colony = growers.colonies[0]
    course = make_course(tw.officer, tw.county, eligibility="colony", eligible_unit=colony)
    member = growers.people[0]
    assert services.enrolment_create(by=tw.officer, course=course, person=member, now=NOW).status == "enrolled"
    refused(services.enrolment_create, by=tw.officer, course=course, person=growers.people[2], now=NOW)
    refused(services.enrolment_create, by=tw.trainees[0], course=course, person=tw.people[0], now=NOW)


def test_a_product_course_takes_its_approved_producers(tw, saffron_growers):
    growers = saffron_growers(4)
    course = make_course(tw.officer, tw.county, eligibility="product", eligible_product=growers.saffron)
    assert services.enrolment_create(by=tw.officer, course=course, person=growers.people[1], now=NOW)
    refused(services.enrolment_create, by=tw.trainees[0], course=course, person=tw.people[0], now=NOW)


def test_a_fund_course_takes_its_members(tw, base_officer, base, make_user, make_person):
    from mardom.funds import services as funds
    from mardom.funds.services import RulesInput

    fund = funds.fund_create(by=base_officer, base=base, name="صندوق امام رضا", founded_on=datetime.date(2024, 3, 20),
                             rules=RulesInput(monthly_contribution=500_000, min_months_before_loan=6,
                                              loan_savings_multiple=3, loan_cap=300_000_000))
    treasurer = make_user(make_person(base), roles=[("fund_treasurer", fund)])
    funds.membership_join(by=treasurer, fund=fund, person=tw.people[0], opening_deposit=1_000_000,
                          joined_on=datetime.date(2024, 3, 20), idempotency_key="j1",
                          today=datetime.date(2024, 3, 20))
    course = make_course(tw.officer, tw.county, eligibility="fund", eligible_unit=fund)
    assert enrol_in(course, tw, 0).status == "enrolled"
    refused(services.enrolment_create, by=tw.trainees[1], course=course, person=tw.people[1], now=NOW)


def enrol_in(course, w, i, now=NOW):
    return services.enrolment_create(by=w.trainees[i], course=course, person=w.people[i], now=now)


def test_no_enrolment_once_every_session_has_started(tw):
    refused(services.enrolment_create, by=tw.trainees[0], course=tw.course, person=tw.people[0], now=at(3, 10, 1))


def test_a_completed_enrolment_cannot_be_withdrawn(tw):
    e = enrol(tw, 0)
    for s in tw.sessions[:2]:
        services.attendance_mark(by=tw.trainer, session=s, present=[e.pk], now=s.starts_at)
    e.refresh_from_db()
    assert e.status == "completed"
    refused(services.enrolment_withdraw, by=tw.trainees[0], enrolment=e, now=at(5, 9))


# --- attendance and completion ----------------------------------------------------------------------------

def test_the_trainer_marks_attendance_and_two_of_three_complete(tw):
    a, b = enrol(tw, 0), enrol(tw, 1)
    s1, s2, s3 = tw.sessions
    changed = services.attendance_mark(by=tw.trainer, session=s1, present=[a.pk], now=s1.starts_at)
    assert changed == {"present": 1, "absent": 1}
    a.refresh_from_db()
    assert a.status == "enrolled"
    services.attendance_mark(by=tw.trainer, session=s2, present=[a.pk, b.pk], now=s2.starts_at)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "completed" and b.status == "enrolled"
    certificate = Certificate.objects.get(enrolment=a)
    assert certificate.holder_name == tw.people[0].full_name and certificate.sessions_attended == 2
    assert certificate.issuer_name == tw.centre.name
    assert Notification.objects.filter(key=f"training:certificate:{certificate.pk}").exists()
    # A completed trainee's presence is never taken back (her certificate is issued).
    services.attendance_mark(by=tw.trainer, session=s1, present=[], now=s3.starts_at)
    assert Attendance.objects.get(session=s1, enrolment=a).present
    services.attendance_mark(by=tw.trainer, session=s3, present=[b.pk], now=s3.starts_at)
    b.refresh_from_db()
    assert b.status == "completed" and Certificate.objects.count() == 2


def test_a_late_enrolee_is_never_absent_for_sessions_held_before(tw):
    s1, s2, s3 = tw.sessions
    early = enrol(tw, 0)
    late = enrol(tw, 1, now=s2.starts_at + datetime.timedelta(minutes=5))  # after sessions 1 and 2 began
    services.attendance_mark(by=tw.trainer, session=s1, present=[], now=s1.ends_at)
    services.attendance_mark(by=tw.trainer, session=s2, present=[], now=s2.ends_at)
    late_progress = services.progress_of(late, now=s3.starts_at)
    assert late_progress.expected == 1 and late_progress.absences == 0 and late_progress.required == 1
    assert services.progress_of(early, now=s3.starts_at).absences == 2
    services.attendance_mark(by=tw.trainer, session=s3, present=[late.pk], now=s3.starts_at)
    late.refresh_from_db()
    assert late.status == "completed"  # 1 of the 1 session she could attend: ceil(2 * 1 / 3) = 1


def test_attendance_for_another_courses_enrolment_is_refused(tw):
    e = enrol(tw, 0)
    other = make_course(tw.other_officer, tw.other)
    stranger = services.enrolment_create(by=tw.trainees[1], course=other, person=tw.people[1], now=NOW)
    session = tw.sessions[0]
    assert refused(services.attendance_mark, by=tw.trainer, session=session, present=[e.pk, stranger.pk],
                   now=session.starts_at).field == "present"
    with pytest.raises(PermissionDenied):  # another centre's trainer
        services.attendance_mark(by=tw.other_trainer, session=session, present=[e.pk], now=session.starts_at)


def test_a_waiting_person_cannot_be_marked(tw):
    enrol(tw, 0), enrol(tw, 1)
    waiting = enrol(tw, 2)
    session = tw.sessions[0]
    refused(services.attendance_mark, by=tw.trainer, session=session, present=[waiting.pk], now=session.starts_at)


def test_attendance_is_not_taken_before_the_session(tw):
    e = enrol(tw, 0)
    refused(services.attendance_mark, by=tw.trainer, session=tw.sessions[0], present=[e.pk], now=NOW)


def test_a_trainer_cannot_mark_his_own_attendance(tw):
    from mardom.people.models import RoleAssignment

    e = services.enrolment_create(by=tw.trainer, course=tw.course, person=tw.trainer.person, now=NOW)
    session = tw.sessions[0]
    refused(services.attendance_mark, by=tw.trainer, session=session, present=[e.pk], now=session.starts_at)
    # ... nor by scanning his own session's code.
    window = tokens.window_at(session.starts_at)
    refused(services.attendance_scan, by=tw.trainer, session=session, window=window,
            token=tokens.token(session.pk, window), now=session.starts_at)
    # Another trainer of the centre may mark him.
    colleague = tw.trainees[3]
    RoleAssignment.objects.create(user=colleague, role="trainer", unit=tw.centre)
    services.attendance_mark(by=colleague, session=session, present=[e.pk], now=session.starts_at)
    assert Attendance.objects.get(enrolment=e, session=session).present


# --- the QR scan ------------------------------------------------------------------------------------------

def test_a_scan_within_the_window_marks_the_trainee_present(tw):
    e = enrol(tw, 0)
    session = tw.sessions[0]
    shown = session.starts_at + datetime.timedelta(minutes=3)
    window = tokens.window_at(shown)
    code = tokens.token(session.pk, window)
    services.attendance_scan(by=tw.trainees[0], session=session, window=window, token=code,
                             now=shown + datetime.timedelta(seconds=70))  # the next window still takes it
    mark = Attendance.objects.get(enrolment=e, session=session)
    assert mark.present and mark.method == "qr" and mark.marked_by == tw.trainees[0]


@pytest.mark.parametrize("case", ["expired", "forged", "other-session"])
def test_an_expired_forged_or_other_sessions_code_is_refused(tw, case):
    enrol(tw, 0)
    session, other = tw.sessions[0], tw.sessions[1]
    shown = session.starts_at + datetime.timedelta(minutes=3)
    window = tokens.window_at(shown)
    code = tokens.token(other.pk if case == "other-session" else session.pk, window)
    when = shown + datetime.timedelta(seconds=150 if case == "expired" else 1)
    if case == "forged":
        code = "0" * 20
    refused(services.attendance_scan, by=tw.trainees[0], session=session, window=window, token=code, now=when)


def test_someone_not_enrolled_or_only_waiting_is_refused_by_the_scan(tw):
    enrol(tw, 0), enrol(tw, 1)
    enrol(tw, 2)  # waiting
    session = tw.sessions[0]
    window = tokens.window_at(session.starts_at)
    code = tokens.token(session.pk, window)
    with translation.override("fa"):
        waiting = refused(services.attendance_scan, by=tw.trainees[2], session=session, window=window, token=code,
                          now=session.starts_at)
        stranger = refused(services.attendance_scan, by=tw.trainees[3], session=session, window=window, token=code,
                           now=session.starts_at)
    assert str(waiting.message) != str(stranger.message)
    assert tw.course.title in str(stranger.message)


def test_a_scan_after_the_session_is_refused(tw):
    enrol(tw, 0)
    session = tw.sessions[0]
    late = session.ends_at + datetime.timedelta(minutes=30)
    window = tokens.window_at(late)
    refused(services.attendance_scan, by=tw.trainees[0], session=session, window=window,
            token=tokens.token(session.pk, window), now=late)


# --- certificates -----------------------------------------------------------------------------------------

def _complete(w, i=0):
    e = enrol(w, i)
    for s in w.sessions[:2]:
        services.attendance_mark(by=w.trainer, session=s, present=[e.pk], now=s.starts_at)
    return Certificate.objects.get(enrolment=e)


def test_a_certificate_is_checked_by_its_code_and_a_typo_is_caught(tw):
    certificate = _complete(tw)
    assert services.certificate_check(code=certificate.code).status == "valid"
    assert services.certificate_check(code=certificate.code.lower()[:4] + "-" + certificate.code[4:]).status == "valid"
    typo = certificate.code[:3] + ("0" if certificate.code[3] != "0" else "1") + certificate.code[4:]
    assert services.certificate_check(code=typo).status == "mistyped"
    swapped = certificate.code[1] + certificate.code[0] + certificate.code[2:]
    if swapped != certificate.code:
        assert services.certificate_check(code=swapped).status == "mistyped"


def test_a_revoked_certificate_says_so_and_only_the_publisher_revokes(tw):
    certificate = _complete(tw)
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(by=tw.other_officer, certificate=certificate, reason="x")
    refused(services.certificate_revoke, by=tw.centre_officer, certificate=certificate, reason=" ")
    services.certificate_revoke(by=tw.centre_officer, certificate=certificate, reason="حضور ثبت‌شده نادرست بود")
    assert services.certificate_check(code=certificate.code).status == "revoked"
    refused(services.certificate_revoke, by=tw.centre_officer, certificate=certificate, reason="دوباره")


def test_cancelling_a_course_withdraws_and_tells_everyone_and_keeps_certificates(tw):
    certificate = _complete(tw, 0)
    b, waiting = enrol(tw, 1), enrol(tw, 2)
    refused(services.course_cancel, by=tw.centre_officer, course=tw.course, reason="")
    services.course_cancel(by=tw.centre_officer, course=tw.course, reason="مربی بیمار است", now=at(3, 8))
    assert set(Enrolment.objects.filter(pk__in=[b.pk, waiting.pk]).values_list("status", flat=True)) == {"withdrawn"}
    keys = [f"training:cancel:{b.pk}", f"training:cancel:{waiting.pk}"]
    assert Notification.objects.filter(key__in=keys).count() == 2
    assert services.certificate_check(code=certificate.code).status == "valid"
    refused(services.course_cancel, by=tw.centre_officer, course=tw.course, reason="دوباره")


def test_every_training_action_has_an_audit_sentence():
    from mardom.core.audit_text import ACTIONS

    for code in ["course.create", "course.publish", "enrolment.create", "enrolment.wait", "enrolment.promote",
                 "enrolment.complete", "attendance.mark", "attendance.scan", "certificate.issue",
                 "certificate.revoke", "course.cancel", "course.session_add"]:
        assert ACTIONS[code].group == "training"


def test_a_group_leader_publishes_for_her_group(tw, make_user, make_person, qaenat_village):
    from mardom.orgs import services as orgs

    group = orgs.group_create(by=tw.officer, county=tw.county, name="گروه جهادی بانوان کوثر", place=qaenat_village,
                              fields_of_work=["training"])
    leader = make_user(make_person(tw.county), roles=[("group_leader", group)])
    course = make_course(leader, group)
    assert course.status == "published" and course.county == tw.county
    with pytest.raises(PermissionDenied):
        make_course(leader, tw.centre)


def test_the_file_section_lists_courses_and_certificates_for_the_person_and_her_officers(tw, birjand_officer):
    from mardom.training.selectors import file_section

    e = enrol(tw, 0)
    for s in tw.sessions[:2]:
        services.attendance_mark(by=tw.trainer, session=s, present=[e.pk], now=s.starts_at)
    enrol(tw, 1)
    mine = file_section(viewer=tw.trainees[0], person=tw.people[0], now=at(5, 9))
    assert [row[0].pk for row in mine.rows] == [e.pk] and len(mine.certificates) == 1
    assert mine.rows[0][1].attended == 2 and mine.rows[0][1].done
    assert len(file_section(viewer=tw.officer, person=tw.people[0]).certificates) == 1
    for stranger in (birjand_officer, tw.trainees[1], tw.trainer):
        assert file_section(viewer=stranger, person=tw.people[0]).rows == []
