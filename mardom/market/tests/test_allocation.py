"""Booth allocation (mardom.market.allocation): pure functions, no database."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mardom.market.allocation import (
    GROUP_EXCLUDED,
    GROUPS,
    REPEAT_WINNERS_DOMINATE,
    WAITING_WHILE_BOOTHS_EMPTY,
    Allocation,
    Applicant,
    Booth,
    Rules,
    Score,
    allocate,
    tie_break,
)

T0 = datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.UTC)


def app(id: int, **kw: Any) -> Applicant:
    """An applicant with no priority, no past wins, applying at T0, unless told otherwise."""
    base: dict[str, Any] = dict(
        kind="producer", cluster_member=False, loan_recipient=False, advantaged=False, past_wins=0, applied_at=T0
    )
    return Applicant(id=id, **(base | kw))


def booth(id: int, size: int = 9, price: int = 0, code: str = "") -> Booth:
    return Booth(id=id, code=code or f"B{id}", size=Decimal(size), price=price)


def fits(b: Booth, a: Applicant) -> bool:
    # Restated here from the rules rather than imported, so the test checks the module against the spec.
    return (not a.free_only or b.price == 0) and (a.wants_size is None or b.size >= a.wants_size)


# --- strategies ---------------------------------------------------------------------------------------------
# Few distinct values on purpose: ties in score, past wins, time and size are where ordering bugs live.

sizes = st.sampled_from([6, 9, 12]).map(Decimal)
applicants_st = st.lists(
    st.builds(
        Applicant,
        id=st.integers(1, 40),
        kind=st.sampled_from(["producer", "colony", "cluster", "job_leader"]),
        cluster_member=st.booleans(),
        loan_recipient=st.booleans(),
        advantaged=st.booleans(),
        past_wins=st.integers(0, 5),
        applied_at=st.integers(0, 3).map(lambda m: T0 + datetime.timedelta(minutes=m)),
        wants_size=st.none() | sizes,
        free_only=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda a: a.id,
)
booths_st = st.lists(
    st.builds(
        Booth,
        id=st.integers(1, 40),
        code=st.sampled_from(["A1", "A2", "B1"]),  # codes may repeat; ids may not
        size=sizes,
        price=st.sampled_from([0, 5_000_000]),
    ),
    max_size=10,
    unique_by=lambda b: b.id,
)
rules_st = st.builds(
    Rules,
    cluster_member=st.integers(0, 40),
    loan_recipient=st.integers(0, 40),
    advantaged=st.integers(0, 40),
    rotation_penalty=st.integers(0, 30),
    max_penalty=st.integers(0, 90),
    seed=st.text(max_size=8),
)


# --- properties ---------------------------------------------------------------------------------------------


@given(applicants_st, booths_st, rules_st)
def test_every_booth_and_applicant_at_most_once_and_everyone_accounted_for(
    applicants: list[Applicant], booths: list[Booth], rules: Rules
) -> None:
    result = allocate(applicants, booths, rules)
    ids = {a.id for a in applicants}
    booth_by_id = {b.id: b for b in booths}
    by_id = {a.id: a for a in applicants}

    assert len(set(result.assigned.values())) == len(result.assigned)  # no booth twice
    assert set(result.assigned.values()) <= set(booth_by_id)
    assert len(result.assigned) <= len(booths)
    assert not set(result.assigned) & set(result.waitlist)  # no applicant both placed and waiting
    assert len(result.waitlist) == len(set(result.waitlist))
    assert set(result.assigned) | set(result.waitlist) == ids
    assert sorted(result.order) == sorted(ids)
    assert result.waitlist == [i for i in result.order if i in result.waitlist]
    for applicant_id, booth_id in result.assigned.items():
        assert fits(booth_by_id[booth_id], by_id[applicant_id])
    # The ranking follows the score, and each score is explained by its parts.
    totals = [result.scores[i].total for i in result.order]
    assert totals == sorted(totals, reverse=True)
    assert all(s.total == sum(v for _, v in s.parts) for s in result.scores.values())
    report = result.report
    assert (report.applicants, report.winners, report.booths) == (len(ids), len(result.assigned), len(booths))
    assert report.empty_booths == sorted(set(booth_by_id) - set(result.assigned.values()))


@given(applicants_st, booths_st, rules_st, st.data())
def test_result_does_not_depend_on_input_order(
    applicants: list[Applicant], booths: list[Booth], rules: Rules, data: st.DataObject
) -> None:
    first = allocate(applicants, booths, rules)
    again = allocate(data.draw(st.permutations(applicants)), data.draw(st.permutations(booths)), rules)
    assert again == first
    assert again.report.rows() == first.report.rows()


@given(applicants_st, booths_st, rules_st)
def test_nobody_waits_while_someone_ranked_lower_holds_a_booth_that_fitted_them(
    applicants: list[Applicant], booths: list[Booth], rules: Rules
) -> None:
    result = allocate(applicants, booths, rules)
    by_id = {a.id: a for a in applicants}
    booth_by_id = {b.id: b for b in booths}
    rank = {applicant_id: n for n, applicant_id in enumerate(result.order)}
    for waiting in result.waitlist:
        for holder, booth_id in result.assigned.items():
            higher = result.scores[waiting].total > result.scores[holder].total or rank[waiting] < rank[holder]
            if higher:
                assert not fits(booth_by_id[booth_id], by_id[waiting])


@given(
    rules_st,
    st.integers(0, 5),
    st.integers(1, 5),
    st.fixed_dictionaries(
        {"cluster_member": st.booleans(), "loan_recipient": st.booleans(), "advantaged": st.booleans()}
    ),
    st.lists(st.integers(1, 99), min_size=2, max_size=2, unique=True),
    applicants_st,
)
def test_rotation_of_two_otherwise_equal_applicants_the_one_with_fewer_past_wins_goes_first(
    rules: Rules, fewer: int, more: int, flags: dict[str, bool], ids: list[int], others: list[Applicant]
) -> None:
    # Ids are drawn, so the seeded tie-break sometimes favours the other one: rotation must still decide.
    newer = app(ids[0], past_wins=fewer, **flags)
    older = app(ids[1], past_wins=fewer + more, **flags)
    crowd = [a for a in others if a.id not in ids]
    order = allocate([older, *crowd, newer], [], rules).order
    assert order.index(newer.id) < order.index(older.id)


# --- examples: scoring and the tie-break --------------------------------------------------------------------


def test_score_parts_and_the_capped_rotation_penalty() -> None:
    rules = Rules()
    result = allocate(
        [app(1, cluster_member=True, advantaged=True, past_wins=2), app(2, loan_recipient=True, past_wins=9)],
        [],
        rules,
    )
    assert result.scores[1] == Score(55 - 30, (("cluster_member", 30), ("advantaged", 25), ("rotation", -30)))
    # 9 past wins × 15 = 135, capped at the published max_penalty of 60.
    assert result.scores[2] == Score(20 - 60, (("loan_recipient", 20), ("rotation", -60)))
    assert result.order == [1, 2]


def test_earlier_application_wins_a_score_tie_and_the_seeded_hash_breaks_the_rest() -> None:
    early = app(5, applied_at=T0)
    late = app(1, applied_at=T0 + datetime.timedelta(seconds=1))
    assert allocate([late, early], [], Rules()).order == [5, 1]

    same = [app(i) for i in range(1, 8)]
    for seed in ("exhibition-12:2025-03-01", "exhibition-12:2025-04-01"):
        expected = sorted(range(1, 8), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
        assert allocate(same, [], Rules(seed=seed)).order == expected
        assert tie_break(seed, 3) == hashlib.sha256(f"{seed}:3".encode()).hexdigest()
    # The two published seeds give different orders: the draw really is tied to the seed.
    assert (
        allocate(same, [], Rules(seed="exhibition-12:2025-03-01")).order
        != allocate(same, [], Rules(seed="exhibition-12:2025-04-01")).order
    )


# --- examples: fitting ---------------------------------------------------------------------------------------


def test_best_fit_takes_the_smallest_booth_that_is_big_enough() -> None:
    booths = [booth(1, size=12), booth(2, size=6), booth(3, size=9)]
    # Earlier applicants rank first (equal scores), so the order below is the allocation order.
    applicants = [
        app(10, wants_size=Decimal(8), applied_at=T0),
        app(11, applied_at=T0 + datetime.timedelta(minutes=1)),  # no wish: the smallest booth
        app(12, wants_size=Decimal(20), applied_at=T0 + datetime.timedelta(minutes=2)),  # nothing that big
        app(13, wants_size=Decimal(7), applied_at=T0 + datetime.timedelta(minutes=3)),
    ]
    result = allocate(applicants, booths, Rules())
    assert result.assigned == {10: 3, 11: 2, 13: 1}
    assert result.waitlist == [12]


def test_free_only_takes_only_free_booths_and_equal_sizes_go_cheapest_first() -> None:
    booths = [booth(1, size=9, price=8_000_000), booth(2, size=9, price=0), booth(3, size=12, price=0)]
    applicants = [
        app(10, applied_at=T0),  # equal sizes: the free one, cheaper for the exhibitor
        app(11, free_only=True, applied_at=T0 + datetime.timedelta(minutes=1)),  # a larger free booth beats none
        app(12, free_only=True, applied_at=T0 + datetime.timedelta(minutes=2)),  # only a paid booth is left
    ]
    result = allocate(applicants, booths, Rules())
    assert result.assigned == {10: 2, 11: 3}
    assert result.waitlist == [12]
    assert result.report.empty_booths == [1]
    assert WAITING_WHILE_BOOTHS_EMPTY in result.report.notes


def test_sizes_may_be_whole_square_metres_as_stored_on_the_floor_plan() -> None:
    b = Booth(id=1, code="A1", size=9, price=0)  # type: ignore[arg-type]
    assert b.size == Decimal(9)
    later = T0 + datetime.timedelta(minutes=1)
    # wants_size 0 (a blank form field) means any size; both fit, so the earlier application gets the booth.
    assert allocate([app(1, wants_size=9), app(2, wants_size=0, applied_at=later)], [b], Rules()).assigned == {1: 1}
    assert allocate([app(1, wants_size=10), app(2, wants_size=0, applied_at=later)], [b], Rules()).assigned == {2: 1}


# --- examples: the fairness report ---------------------------------------------------------------------------


def test_fairness_report_rows_and_excluded_groups() -> None:
    applicants = [
        app(1, cluster_member=True),  # 30
        app(2, loan_recipient=True, past_wins=1),  # 20 - 15 = 5
        app(3, kind="colony"),  # 0
        app(4, advantaged=True, past_wins=2),  # 25 - 30 = -5
    ]
    result = allocate(applicants, [booth(1), booth(2)], Rules())
    assert result.order == [1, 2, 3, 4]
    assert result.assigned == {1: 1, 2: 2}
    report = result.report
    rows = {code: rest for code, *rest in report.rows()}
    assert list(rows) == list(GROUPS)
    assert rows["cluster_member"] == [1, 1, 250, 500]
    assert rows["loan_recipient"] == [1, 1, 250, 500]
    assert rows["advantaged"] == [1, 0, 250, 0]
    assert rows["none"] == [1, 0, 250, 0]
    assert rows["newcomer"] == [2, 1, 500, 500]
    assert rows["repeat"] == [2, 1, 500, 500]
    assert rows["kind_producer"] == [3, 2, 750, 1000]
    assert rows["kind_colony"] == [1, 0, 250, 0]
    assert rows["kind_cluster"] == [0, 0, 0, 0]
    assert report.excluded_groups == ["advantaged", "none", "kind_colony"]
    assert report.notes == [GROUP_EXCLUDED]  # 1 of 2 winners had won before: not "most"
    assert all(isinstance(v, int) for row in report.rows() for v in row[1:])
    assert json.loads(json.dumps(report.as_dict()))["rows"][0] == ["cluster_member", 1, 1, 250, 500]


def test_repeat_winners_dominating_while_newcomers_wait_is_flagged() -> None:
    # A low rotation penalty lets two earlier winners with priority take two of the three booths.
    rules = Rules(rotation_penalty=5, max_penalty=10)
    applicants = [
        app(1, cluster_member=True, past_wins=3),  # 30 - 10 = 20
        app(2, cluster_member=True, past_wins=1),  # 30 - 5 = 25
        app(3, applied_at=T0),  # 0
        app(4, applied_at=T0 + datetime.timedelta(minutes=1)),  # 0, waits
    ]
    result = allocate(applicants, [booth(1), booth(2), booth(3)], rules)
    assert result.order == [2, 1, 3, 4]
    assert result.waitlist == [4]
    assert REPEAT_WINNERS_DOMINATE in result.report.notes
    # Every newcomer placed: then repeat winners holding most booths is not a problem worth flagging.
    assert REPEAT_WINNERS_DOMINATE not in allocate(applicants, [booth(i) for i in range(1, 5)], rules).report.notes


def test_nothing_to_allocate_gives_an_empty_report_without_dividing_by_zero() -> None:
    result = allocate([], [], Rules())
    assert result == Allocation(assigned={}, waitlist=[], scores={}, order=[], report=result.report)
    assert all(row[1:] == (0, 0, 0, 0) for row in result.report.rows())
    assert result.report.notes == []
    # Applicants but no booths: everyone waits; no group is "excluded" when nobody at all won.
    nobody = allocate([app(1), app(2, kind="colony")], [], Rules())
    assert nobody.waitlist == nobody.order and not nobody.assigned
    assert nobody.report.notes == []


# --- examples: rules and validation --------------------------------------------------------------------------


def test_rules_round_trip_through_their_published_dict() -> None:
    rules = Rules(advantaged=40, seed="exhibition-7:1404-01-15")
    assert rules.as_dict() == {
        "cluster_member": 30,
        "loan_recipient": 20,
        "advantaged": 40,
        "rotation_penalty": 15,
        "max_penalty": 60,
        "seed": "exhibition-7:1404-01-15",
    }
    assert Rules.from_dict(rules.as_dict()) == rules
    with pytest.raises(ValueError, match="unknown keys"):
        Rules.from_dict({"cluster_membr": 30})
    with pytest.raises(ValueError):
        Rules(loan_recipient=-1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: app(1, kind="shop"),
        lambda: app(1, past_wins=-1),
        lambda: app(1, applied_at=datetime.datetime(2025, 3, 1, 8, 0)),  # noqa: DTZ001 - naive on purpose
        lambda: app(1, wants_size=Decimal("NaN")),
        lambda: booth(1, size=0),
        lambda: booth(1, price=-5),
        lambda: allocate([app(1), app(1)], [], Rules()),
        lambda: allocate([], [booth(2), booth(2)], Rules()),
    ],
)
def test_invalid_input_is_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


def test_float_sizes_are_refused() -> None:
    with pytest.raises(TypeError):
        Booth(id=1, code="A1", size=9.5, price=0)  # type: ignore[arg-type]
