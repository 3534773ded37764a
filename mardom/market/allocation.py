"""Booth allocation for exhibitions by published rules, with a fairness report.

Pure Python (standard library only, no ORM, no randomness): the app feeds it plain rows and stores the result,
and anyone holding the published rules, seed and applications can recompute it by hand.

The rules
---------
1. Every applicant gets a score: the published weight of each priority it has (cluster member, fund loan
   recipient, advantaged product) minus a rotation penalty of ``past_wins × rotation_penalty``, capped at
   ``max_penalty`` (so a long-time exhibitor is pushed back, but never below the floor the cap sets).
2. Applicants are ranked by score (highest first), then by fewer past wins (rotation decides a tie even when the
   penalty is 0 or capped), then by earlier ``applied_at``, then by the seeded draw: the lowercase hex SHA-256 of
   the UTF-8 text ``f"{seed}:{applicant_id}"``, smallest first. The seed is a public string (for example the
   exhibition's id and the term date) fixed before the run, so the tie-break is verifiable and cannot be
   re-rolled. The applicant id closes the order only if two hashes were ever equal.
3. In rank order each applicant takes the best-fitting booth still free: among booths with
   ``size >= wants_size`` (any size when none is wanted) and, for ``free_only``, price 0, the smallest; between
   equal sizes the cheaper, then the lower code, then the lower id. Whoever finds no fitting booth goes to the
   waiting list, in rank order.

Because a booth is only skipped when it does not fit, nobody ever waits while someone ranked after them holds a
booth that would have fitted them. The result depends only on the data, never on the input order.

Outputs carry codes, never sentences: reason parts are ("cluster_member", 30)-style pairs and the fairness notes
are codes such as "repeat_winners_dominate"; the UI translates them. All numbers are integers (shares in
permille).
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

KINDS = ("producer", "colony", "cluster", "job_leader")

# Priority groups overlap (one applicant can be a cluster member and a loan recipient), so their shares need
# not add up to 1000; "none" is everyone with no priority at all.
PRIORITY_GROUPS = ("cluster_member", "loan_recipient", "advantaged", "none")
ROTATION_GROUPS = ("newcomer", "repeat")
# Row codes of the report, in display order: the kind rows use the kind codes prefixed with "kind_" so that the
# kind "cluster" is not confused with the priority "cluster_member".
GROUPS = PRIORITY_GROUPS + ROTATION_GROUPS + tuple(f"kind_{k}" for k in KINDS)

# Note codes.
REPEAT_WINNERS_DOMINATE = "repeat_winners_dominate"
GROUP_EXCLUDED = "group_excluded"
WAITING_WHILE_BOOTHS_EMPTY = "waiting_while_booths_empty"


def _as_size(value: object, what: str, *, zero_ok: bool = False) -> Decimal:
    # The floor plan stores sizes as whole square metres (ints); callers may also pass Decimals. Floats are
    # refused: they would make "fits" depend on binary rounding.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    size = Decimal(value)
    if not size.is_finite() or size < 0 or (size == 0 and not zero_ok):
        raise ValueError(f"{what} must be a {'non-negative' if zero_ok else 'positive'} number")
    return size


def _non_negative_int(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer")


@dataclass(frozen=True, kw_only=True)
class Applicant:
    id: int
    kind: str
    cluster_member: bool
    loan_recipient: bool
    advantaged: bool
    # Booths this applicant won at earlier editions or terms of the same exhibition (rotation).
    past_wins: int
    applied_at: datetime.datetime
    wants_size: Decimal | None = None
    free_only: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"applicant {self.id}: unknown kind {self.kind!r}")
        _non_negative_int(self.past_wins, f"applicant {self.id}: past_wins")
        # Naive and aware datetimes cannot be compared; the app runs with USE_TZ, so insist on aware ones.
        if not isinstance(self.applied_at, datetime.datetime) or self.applied_at.utcoffset() is None:
            raise ValueError(f"applicant {self.id}: applied_at must be timezone-aware")
        if self.wants_size is not None:
            # 0 (a blank form field stored as zero) simply means any size will do.
            wanted = _as_size(self.wants_size, f"applicant {self.id}: wants_size", zero_ok=True)
            object.__setattr__(self, "wants_size", wanted)


@dataclass(frozen=True, kw_only=True)
class Booth:
    id: int
    code: str
    size: Decimal
    price: int  # rials per term; 0 is a free booth

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", _as_size(self.size, f"booth {self.code}: size"))
        _non_negative_int(self.price, f"booth {self.code}: price")


@dataclass(frozen=True, kw_only=True)
class Rules:
    """The published weights. Stored on the exhibition as ``as_dict()`` and read back with ``from_dict``."""

    cluster_member: int = 30
    loan_recipient: int = 20
    advantaged: int = 25
    rotation_penalty: int = 15
    max_penalty: int = 60
    seed: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name != "seed":
                _non_negative_int(getattr(self, f.name), f"rules: {f.name}")
        if not isinstance(self.seed, str):
            raise TypeError("rules: seed must be a string")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rules:
        # Unknown keys are refused rather than ignored: a typo in a published weight must not pass silently.
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"rules: unknown keys {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class Score:
    total: int
    # Each non-zero contribution, e.g. (("cluster_member", 30), ("rotation", -15)); they add up to ``total``.
    parts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, kw_only=True)
class Fairness:
    applicants: int
    winners: int
    booths: int
    empty_booths: list[int]  # ids of booths nobody got, ascending
    # Group code (see GROUPS) -> (applicants in the group, winners in the group), in GROUPS order.
    counts: dict[str, tuple[int, int]]
    notes: list[str]  # note codes, each at most once
    excluded_groups: list[str]  # the groups behind GROUP_EXCLUDED, in GROUPS order

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        """(group code, applicants, winners, share of applicants ‰, share of winners ‰) for a table."""
        return [
            (code, a, w, _permille(a, self.applicants), _permille(w, self.winners))
            for code, (a, w) in self.counts.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for storing the report with the run."""
        return {
            "applicants": self.applicants,
            "winners": self.winners,
            "booths": self.booths,
            "empty_booths": list(self.empty_booths),
            "rows": [list(row) for row in self.rows()],
            "notes": list(self.notes),
            "excluded_groups": list(self.excluded_groups),
        }


@dataclass(frozen=True, kw_only=True)
class Allocation:
    assigned: dict[int, int]  # applicant id -> booth id
    waitlist: list[int]  # applicant ids, in rank order
    scores: dict[int, Score]
    order: list[int]  # every applicant id, ranked
    report: Fairness


def _permille(part: int, whole: int) -> int:
    # Rounded half up, in integers so that the stored report has no floats.
    return (part * 1000 + whole // 2) // whole if whole else 0


def score(applicant: Applicant, rules: Rules) -> Score:
    parts: list[tuple[str, int]] = []
    for flag in ("cluster_member", "loan_recipient", "advantaged"):
        weight = getattr(rules, flag)
        if getattr(applicant, flag) and weight:
            parts.append((flag, weight))
    penalty = min(applicant.past_wins * rules.rotation_penalty, rules.max_penalty)
    if penalty:
        parts.append(("rotation", -penalty))
    return Score(total=sum(value for _, value in parts), parts=tuple(parts))


def tie_break(seed: str, applicant_id: int) -> str:
    """The seeded draw of rule 2: anyone can recompute it with a SHA-256 tool."""
    return hashlib.sha256(f"{seed}:{applicant_id}".encode()).hexdigest()


def _fits(booth: Booth, applicant: Applicant) -> bool:
    if applicant.free_only and booth.price != 0:
        return False
    return applicant.wants_size is None or booth.size >= applicant.wants_size


def _groups_of(applicant: Applicant) -> list[str]:
    groups = [g for g in PRIORITY_GROUPS[:-1] if getattr(applicant, g)] or ["none"]
    groups.append("repeat" if applicant.past_wins else "newcomer")
    groups.append(f"kind_{applicant.kind}")
    return groups


def _unique_ids(items: list[Any], what: str) -> None:
    # Ids close every ordering, so they must be unique for the result to be independent of input order.
    duplicates = sorted(i for i, n in Counter(item.id for item in items).items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicated {what} ids: {duplicates}")


def allocate(applicants: Iterable[Applicant], booths: Iterable[Booth], rules: Rules) -> Allocation:
    applicants = list(applicants)
    booths = list(booths)
    _unique_ids(applicants, "applicant")
    _unique_ids(booths, "booth")

    scores = {a.id: score(a, rules) for a in applicants}
    ranked = sorted(
        applicants,
        key=lambda a: (-scores[a.id].total, a.past_wins, a.applied_at, tie_break(rules.seed, a.id), a.id),
    )

    # Booths in best-fit order; the first free one that fits is then the best fit. The key is total (ids are
    # unique), so the input order of booths cannot matter.
    free = sorted(booths, key=lambda b: (b.size, b.price, b.code, b.id))
    assigned: dict[int, int] = {}
    waitlist: list[int] = []
    for applicant in ranked:
        booth = next((b for b in free if _fits(b, applicant)), None)
        if booth is None:
            waitlist.append(applicant.id)
        else:
            free.remove(booth)
            assigned[applicant.id] = booth.id

    return Allocation(
        assigned=assigned,
        waitlist=waitlist,
        scores={a.id: scores[a.id] for a in ranked},
        order=[a.id for a in ranked],
        report=_fairness(ranked, assigned, waitlist, booths, free),
    )


def _fairness(
    ranked: list[Applicant], assigned: dict[int, int], waitlist: list[int], booths: list[Booth], free: list[Booth]
) -> Fairness:
    counts = {code: [0, 0] for code in GROUPS}
    for applicant in ranked:
        for group in _groups_of(applicant):
            counts[group][0] += 1
            counts[group][1] += int(applicant.id in assigned)

    winners = len(assigned)
    notes: list[str] = []
    # Rotation is not working if most booths went to earlier winners while newcomers were left waiting.
    if 2 * counts["repeat"][1] > winners and counts["newcomer"][0] > counts["newcomer"][1]:
        notes.append(REPEAT_WINNERS_DOMINATE)
    # A group that applied and got nothing while others got booths. "repeat" is left out on purpose: earlier
    # winners all waiting is what rotation is for, not something to flag.
    excluded = [code for code, (a, w) in counts.items() if code != "repeat" and a and not w and winners]
    if excluded:
        notes.append(GROUP_EXCLUDED)
    # Booths stayed empty while people waited: their wishes (size, free only) did not match the floor plan.
    if free and waitlist:
        notes.append(WAITING_WHILE_BOOTHS_EMPTY)

    return Fairness(
        applicants=len(ranked),
        winners=winners,
        booths=len(booths),
        empty_booths=sorted(b.id for b in free),
        counts={code: (a, w) for code, (a, w) in counts.items()},
        notes=notes,
        excluded_groups=excluded,
    )
