"""Protocol mardom-draw-v2 (mardom.funds.draw_v2): pure functions, no database."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from mardom.funds import draw_v2
from mardom.funds.draw import DrawError, Eligible

ENTRIES = [Eligible("7", "علی رضایی"), Eligible("12", "زهرا کریمی"), Eligible("3", "مریم حسینی"),
           Eligible("25", "حسین محمدی"), Eligible("40", "فاطمه احمدی"), Eligible("9", "رضا موسوی")]
EXCLUDED = [{"ref": "5", "name": "نرگس طاهری", "reason": "اقساط ماهانه پرداخت نشده است."}]
PUBLIC = {"kind": "public_value", "name": "شاخص کل بورس تهران، رقم پایانی", "date": "2025-11-28", "places": 0}
SEALED = {"kind": "sealed", "holders": [{"ref": "12", "name": "زهرا کریمی"}, {"ref": "3", "name": "مریم حسینی"},
                                        {"ref": "7", "name": "علی رضایی"}]}


def announce(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "draw_id": "fund3-draw2", "fund_id": 3, "fund": "صندوق قرض‌الحسنه روستای نمونه", "number": 2,
        "winners_count": 2, "scheduled_at": "2025-11-29T18:00:00+03:30",
        "announced_at": "2025-11-25T10:00:00+03:30", "notice_days": 3, "entries": ENTRIES,
        "excluded": EXCLUDED, "source": PUBLIC,
    }
    fields.update(overrides)
    return draw_v2.announce(**fields)


def perform(doc: dict[str, Any], *values: str) -> dict[str, Any]:
    return draw_v2.perform(doc, list(values or ["2,345,678"]), performed_at="2025-11-29T18:05:00+03:30")


def reference(record: dict[str, Any]) -> list[str]:
    """An independent re-implementation written from the module's description alone."""
    body = {k: record[k] for k in draw_v2.ANNOUNCEMENT_KEYS}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                            .encode("utf-8")).hexdigest()
    assert digest == record["digest"]
    seed = hashlib.sha256(("mardom-draw-v2/" + digest + "/" + "".join(v + "/" for v in record["values"]))
                          .encode("utf-8")).digest()
    stream, counter = b"", 0
    refs = sorted(r["ref"] for r in record["entries"])

    def read8() -> int:
        nonlocal stream, counter
        while len(stream) < 8:
            stream += hmac.new(seed, f"{record['list_hash']}|{record['draw_id']}|{counter}|".encode(),
                               hashlib.sha256).digest()
            counter += 1
        x, stream = int.from_bytes(stream[:8], "big"), stream[8:]
        return x

    for i in range(len(refs) - 1):
        m = len(refs) - i
        while (x := read8()) >= (2**64 // m) * m:
            pass
        j = i + x % m
        refs[i], refs[j] = refs[j], refs[i]
    return refs


def test_the_announcement_binds_everything_and_the_record_follows_from_it() -> None:
    doc = announce()
    assert draw_v2.verify_announcement(doc).ok
    assert doc["digest"] == draw_v2.digest(doc) and len(doc["digest"]) == 64
    record = perform(doc)
    assert record["values"] == ["2345678"]
    assert record["order"] == reference(record) and record["winners"] == record["order"][:2]
    assert draw_v2.verify(record, doc).ok
    assert draw_v2.verify(json.loads(draw_v2.to_json(record)), json.loads(draw_v2.to_json(doc))).ok


@pytest.mark.parametrize("key, value", [
    ("fund_id", 4), ("fund", "صندوق دیگر"), ("number", 3), ("draw_id", "fund3-draw3"), ("winners_count", 1),
    ("scheduled_at", "2025-11-29T19:00:00+03:30"), ("announced_at", "2025-11-25T11:00:00+03:30"),
    ("notice_days", 4), ("excluded", []), ("source", {**PUBLIC, "date": "2025-11-27"}),
    ("source", {**PUBLIC, "places": 2}), ("source", SEALED),
])
def test_every_announced_field_changes_the_digest(key: str, value: Any) -> None:
    assert announce(**{key: value})["digest"] != announce()["digest"]


def test_the_list_changes_the_digest_and_the_list_hash() -> None:
    other = announce(entries=[*ENTRIES[:-1], Eligible("10", "رضا موسوی")])
    assert other["list_hash"] != announce()["list_hash"] and other["digest"] != announce()["digest"]


@pytest.mark.parametrize("raw, places, canonical", [
    ("2,345,678", 0, "2345678"), ("۲٬۳۴۵٬۶۷۸", 0, "2345678"), ("٠٠٤٢", 0, "42"), ("0", 0, "0"),
    ("2 345 678٫50", 2, "2345678.50"), ("12.5", 1, "12.5"), (" 007.250 ", 3, "7.250"),
])
def test_public_value_canonical_form(raw: str, places: int, canonical: str) -> None:
    assert draw_v2.canonical_public_value(raw, places) == canonical


@pytest.mark.parametrize("raw, places", [
    ("", 0), ("   ", 0), ("۲٬۳۴۵ تومان", 0), ("12.5", 0), ("12", 1), ("12.50", 1), ("1e6", 0), ("-5", 0),
    ("12..5", 1), (".5", 1), ("۱۲۳۴؟", 0),
])
def test_an_empty_or_malformed_public_value_is_refused(raw: str, places: int) -> None:
    with pytest.raises(DrawError):
        draw_v2.canonical_public_value(raw, places)
    with pytest.raises(DrawError):
        draw_v2.perform(announce(source={**PUBLIC, "places": places}), [raw],
                        performed_at="2025-11-29T18:05:00+03:30")


def test_sealed_numbers_each_count_and_a_missing_one_is_refused() -> None:
    doc = announce(source=SEALED)
    record = perform(doc, "۰۴۸", "17", "903")
    assert record["values"] == ["48", "17", "903"] and draw_v2.verify(record, doc).ok
    assert perform(doc, "48", "17", "904")["seed"] != record["seed"]  # every holder's number counts
    for bad in (("48", "", "903"), ("48", "17"), ("48", "17", "9 03"), ("48", "17", "x")):
        with pytest.raises(DrawError):
            perform(doc, *bad)


@pytest.mark.parametrize("overrides, expected", [
    ({"scheduled_at": "2025-11-27T18:00:00+03:30"}, "less than 3 day"),
    ({"source": {**PUBLIC, "date": "2025-11-25"}}, "after the announcement"),
    ({"source": {**PUBLIC, "date": "2025-11-30"}}, "not after the draw"),
    ({"source": {**PUBLIC, "name": " "}}, "must be named"),
    ({"source": {"kind": "sealed", "holders": SEALED["holders"][:2]}}, "at least 3"),
    ({"source": {"kind": "dice"}}, "unknown randomness source"),
    ({"entries": []}, "empty"),
    ({"winners_count": 7}, "winners_count"),
    ({"excluded": [{"ref": "7", "name": "علی رضایی", "reason": "x"}]}, "both eligible and excluded"),
    ({"excluded": [{"ref": "8", "name": "x", "reason": " "}]}, "needs a reason"),
    ({"announced_at": "2025-11-25T10:00:00"}, "UTC offset"),
])
def test_announcements_that_break_the_rules_are_refused(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(DrawError, match=expected):
        announce(**overrides)


def test_a_draw_cannot_be_performed_before_its_time() -> None:
    with pytest.raises(DrawError, match="before its scheduled time"):
        draw_v2.perform(announce(), ["1"], performed_at="2025-11-29T17:59:00+03:30")


def tamper_list(d: dict[str, Any]) -> None:
    d["entries"] = [r for r in d["entries"] if r["ref"] != d["order"][-1]]
    d["list_hash"] = draw_v2.list_hash(Eligible(r["ref"], r["name"]) for r in d["entries"])
    d["digest"] = draw_v2.digest(d)  # a consistent forgery: only the saved announcement shows it


def tamper_excluded(d: dict[str, Any]) -> None:
    d["excluded"] = []
    d["digest"] = draw_v2.digest(d)


def tamper_digest(d: dict[str, Any]) -> None:
    d["digest"] = "0" * 64


def tamper_value(d: dict[str, Any]) -> None:
    d["values"] = ["2345679"]


def tamper_winner(d: dict[str, Any]) -> None:
    d["winners"][0] = d["order"][-1]


@pytest.mark.parametrize("tamper, expected", [
    (tamper_list, "'entries' differs from your saved announcement"),
    (tamper_excluded, "'excluded' differs from your saved announcement"),
    (tamper_digest, "does not match its digest"),
    (tamper_value, "seed does not follow"),
    (tamper_winner, "winners differ"),
])
def test_verify_against_the_saved_announcement_detects_tampering(tamper: Any, expected: str) -> None:
    doc = announce()
    record = perform(doc)
    tamper(record)
    result = draw_v2.verify(record, doc)
    assert not result.ok and any(expected in p for p in result.problems), result.problems


def test_a_forged_saved_announcement_is_refused_too() -> None:
    doc = announce()
    record = perform(doc)
    forged = copy.deepcopy(doc)
    forged["winners_count"] = 1
    result = draw_v2.verify(record, forged)
    assert not result.ok and "your saved announcement" in result.problems[0]


@pytest.mark.parametrize("junk", [42, "text", [1], {}, {"protocol": draw_v2.PROTOCOL}])
def test_verify_never_raises(junk: Any) -> None:
    assert not draw_v2.verify(junk).ok
    assert not draw_v2.verify(perform(announce()), junk).ok
    assert not draw_v2.verify(announce()).ok  # an announcement is not a record


@hsettings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=1, max_value=60), data=st.data(),
       value=st.integers(min_value=0, max_value=10**15),
       sealed=st.lists(st.integers(min_value=0, max_value=10**9), min_size=3, max_size=3))
def test_selection_is_a_deterministic_function_of_the_announced_inputs(n: int, data: st.DataObject, value: int,
                                                                       sealed: list[int]) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    entries = [Eligible(str(100 + i), f"عضو {i}") for i in range(n)]
    holders = [{"ref": str(100 + i), "name": f"عضو {i}"} for i in range(3)]
    for source, values in ((PUBLIC, [f"{value:,}"]), ({"kind": "sealed", "holders": holders},
                                                      [str(v) for v in sealed])):
        doc = announce(entries=list(reversed(entries)), winners_count=k, source=source)
        again = announce(entries=entries, winners_count=k, source=source)
        assert doc == again  # the announcement does not depend on the order the list was given in
        first, second = perform(doc, *values), perform(json.loads(json.dumps(again)), *values)
        assert first["order"] == second["order"] == reference(first)
        assert sorted(first["order"]) == sorted(e.ref for e in entries) and first["winners"] == first["order"][:k]
        assert draw_v2.verify(first, doc).ok
