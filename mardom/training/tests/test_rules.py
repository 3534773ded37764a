"""The completion rule and late enrolment (training.rules), against a brute-force reading of the rule over
random schedules and enrolment moments."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mardom.training import rules

UTC = datetime.UTC
BASE = datetime.datetime(2025, 1, 1, tzinfo=UTC)


def test_the_rule_for_someone_there_from_the_start_is_n_of_m():
    assert rules.required(n=3, m=5, expected=5) == 3
    assert rules.required(n=5, m=5, expected=5) == 5


def test_a_late_enrolee_needs_the_same_share_of_the_sessions_left():
    assert rules.required(n=8, m=10, expected=5) == 4  # 8/10 of 5
    assert rules.required(n=8, m=10, expected=3) == 3  # ceil(2.4)
    assert rules.required(n=1, m=10, expected=1) == 1
    assert rules.required(n=3, m=3, expected=0) == 0


@st.composite
def schedules(draw):
    """Sessions (start, length in minutes) on random days, a rule N of M, a seat moment, presences and now."""
    count = draw(st.integers(min_value=1, max_value=12))
    starts = sorted(draw(st.lists(st.integers(min_value=0, max_value=60 * 24 * 60), min_size=count,
                                  max_size=count, unique=True)))
    slots = [rules.Slot(i, BASE + datetime.timedelta(minutes=s),
                        BASE + datetime.timedelta(minutes=s + draw(st.integers(min_value=1, max_value=600))))
             for i, s in enumerate(starts)]
    n = draw(st.integers(min_value=1, max_value=count))
    seat = BASE + datetime.timedelta(minutes=draw(st.integers(min_value=-100, max_value=60 * 24 * 61)))
    present = draw(st.sets(st.sampled_from([s.key for s in slots])))
    now = BASE + datetime.timedelta(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 62)))
    return slots, n, seat, present, now


def _brute(slots, n, seat, present, now):
    """The rule read literally, session by session: which are expected, the smallest r with r/E >= N/M."""
    expected = [s for s in slots if s.starts_at >= seat]
    m, e = len(slots), len(expected)
    r = next(r for r in range(0, e + 1) if r * m >= n * e) if e else 0
    absences = [s for s in expected if s.ends_at <= now and s.key not in present]
    attended = [s for s in slots if s.key in present]
    return r, len(absences), len(attended), e


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_the_rule_matches_a_session_by_session_count(case):
    slots, n, seat, present, now = case
    p = rules.progress(sessions=slots, n=n, seat_at=seat, present=present, now=now)
    r, absences, attended, e = _brute(slots, n, seat, present, now)
    assert (p.required, p.absences, p.attended, p.expected) == (r, absences, attended, e)
    assert p.done == (e > 0 and attended >= r)


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_sessions_before_the_seat_are_never_absences(case):
    slots, n, seat, _present, _now = case
    far_future = BASE + datetime.timedelta(days=1000)
    missed_everything = rules.progress(sessions=slots, n=n, seat_at=seat, present=set(), now=far_future)
    before = sum(1 for s in slots if s.starts_at < seat)
    assert missed_everything.absences == len(slots) - before


@settings(max_examples=300, deadline=None)
@given(schedules())
def test_a_late_enrolee_never_needs_more_than_n_and_attending_all_she_could_completes(case):
    slots, n, seat, _present, now = case
    p = rules.progress(sessions=slots, n=n, seat_at=seat, present=set(), now=now)
    assert p.required <= n and p.required <= p.expected
    expected = {s.key for s in slots if s.starts_at >= seat}
    if expected:
        assert rules.progress(sessions=slots, n=n, seat_at=seat, present=expected, now=now).done
    # An earlier seat never asks for fewer sessions than a later one.
    earlier = rules.progress(sessions=slots, n=n, seat_at=seat - datetime.timedelta(days=3), present=set(), now=now)
    assert earlier.required >= p.required


def test_still_possible_says_when_the_sessions_left_cannot_make_up():
    slots = [rules.Slot(i, BASE + datetime.timedelta(days=i), BASE + datetime.timedelta(days=i, hours=2))
             for i in range(4)]
    after_two = BASE + datetime.timedelta(days=1, hours=3)
    p = rules.progress(sessions=slots, n=4, seat_at=BASE, present=set(), now=after_two)
    assert p.absences == 2 and p.left == 2 and not p.still_possible
    p = rules.progress(sessions=slots, n=2, seat_at=BASE, present=set(), now=after_two)
    assert p.still_possible
