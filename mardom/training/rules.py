"""The completion rule and the absences of a late enrolee, as pure functions (tested with hypothesis).

A course has M sessions and asks its trainees to attend at least N of them (1 <= N <= M). A person's seat
begins at a moment: when she enrolled, or when she was moved up from the waiting list. The sessions that
*started* before that moment are "not expected" of her: they are never absences, whatever happens. The
sessions she is expected at are the other E (E >= 1: a course whose sessions have all started takes no one).

She completes the course when she has attended R sessions, where

    R = ceil(N * E / M)

that is, the same share of the sessions she could attend as everyone else must attend of all of them. A
person there from the start has E = M and R = N. A late enrolee never needs more than N, nor more than E
(N <= M), so attending every session she is expected at always completes the course. Her presence at a
session that started before her seat (she enrolled at the door and the trainer marked her) is recorded and
counts towards R, but its absence would not count against her.

An absence is an expected session that has ended without her presence being recorded. She can no longer
complete when even attending every expected session not yet ended would leave her short of R.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def required(*, n: int, m: int, expected: int) -> int:
    """R = ceil(N * E / M) in integers; 0 when the course has no session."""
    if m <= 0 or expected <= 0:
        return 0
    return (n * expected + m - 1) // m


def is_expected(*, starts_at: datetime.datetime, seat_at: datetime.datetime | None) -> bool:
    """Whether a session counts for someone whose seat began at `seat_at` (None: no seat yet)."""
    return seat_at is not None and starts_at >= seat_at


@dataclass(frozen=True)
class Progress:
    sessions: int  # M
    expected: int  # E
    required: int  # R
    attended: int  # A: sessions with her presence recorded, expected or not
    absences: int  # expected sessions ended without her presence
    left: int  # expected sessions not ended yet

    @property
    def done(self) -> bool:
        return self.expected > 0 and self.attended >= self.required

    @property
    def still_possible(self) -> bool:
        return self.done or self.attended + self.left >= self.required


@dataclass(frozen=True)
class Slot:
    """One session as the rule sees it."""

    key: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def progress(*, sessions: Sequence[Slot], n: int, seat_at: datetime.datetime | None, present: Iterable[int],
             now: datetime.datetime) -> Progress:
    """Where one trainee stands: `present` holds the keys of the sessions where her presence is recorded."""
    present_keys = set(present)
    expected = [s for s in sessions if is_expected(starts_at=s.starts_at, seat_at=seat_at)]
    absences = sum(1 for s in expected if s.ends_at <= now and s.key not in present_keys)
    left = sum(1 for s in expected if s.ends_at > now and s.key not in present_keys)
    attended = sum(1 for s in sessions if s.key in present_keys)
    return Progress(sessions=len(sessions), expected=len(expected),
                    required=required(n=n, m=len(sessions), expected=len(expected)),
                    attended=attended, absences=absences, left=left)
