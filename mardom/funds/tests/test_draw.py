"""The verifiable lottery (mardom.funds.draw): pure functions, no database."""

from __future__ import annotations

import copy
import hashlib
import hmac
import importlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from mardom.funds.draw import (
    HOW_TO_VERIFY,
    PROTOCOL,
    DrawError,
    DrawRecord,
    Eligible,
    announce,
    canonical_list,
    commit,
    from_json,
    list_hash,
    load_record,
    new_seed,
    perform,
    to_dict,
    to_json,
    uniform,
    verify,
)

SEED = "00" * 31 + "2a"
OTHER_SEED = "11" * 32

ENTRIES = [
    Eligible("7", "علی رضایی"),
    Eligible("12", "زهرا کریمی"),
    Eligible("3", "مریم حسینی"),
    Eligible("25", "حسین محمدی"),
    Eligible("40", "فاطمه احمدی"),
    Eligible("9", "رضا موسوی"),
]


def seed_for(label: str) -> str:
    """A fixed, reproducible 32-byte seed for tests."""
    return hashlib.sha256(label.encode()).hexdigest()


def make_record(
    entries: list[Eligible] | None = None,
    *,
    seed: str = SEED,
    draw_id: str = "draw-1404-01",
    winners_count: int = 2,
    public_entropy: str = "",
) -> DrawRecord:
    entries = ENTRIES if entries is None else entries
    a = announce(
        draw_id=draw_id,
        fund="صندوق قرض‌الحسنه روستای نمونه",
        winners_count=winners_count,
        entries=entries,
        seed=seed,
        scheduled_at="2025-11-25T18:00:00+03:30",
    )
    return perform(a, seed, public_entropy)


def reference_order(record: dict[str, Any]) -> list[str]:
    """An independent re-implementation written from HOW_TO_VERIFY alone, to keep the text and the code in step."""
    rows = sorted(record["entries"], key=lambda r: r["ref"])

    def js(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    body = ",".join('{"name":' + js(r["name"]) + ',"ref":' + js(r["ref"]) + "}" for r in rows)
    lh = hashlib.sha256(("[" + body + "]").encode("utf-8")).hexdigest()
    assert lh == record["list_hash"]
    key = bytes.fromhex(record["seed"])
    stream = b""
    counter = 0

    def read8() -> int:
        nonlocal stream, counter
        while len(stream) < 8:
            msg = f"{lh}|{record['draw_id']}|{counter}|{record['public_entropy']}".encode()
            stream += hmac.new(key, msg, hashlib.sha256).digest()
            counter += 1
        x, stream = int.from_bytes(stream[:8], "big"), stream[8:]
        return x

    refs = [r["ref"] for r in rows]
    for i in range(len(refs) - 1):
        m = len(refs) - i
        while True:
            x = read8()
            if x < (2**64 // m) * m:
                break
        j = i + x % m
        refs[i], refs[j] = refs[j], refs[i]
    return refs


# --- basics ---------------------------------------------------------------------------------------------------


def test_seed_and_commitment() -> None:
    seed = new_seed()
    assert len(seed) == 64 and bytes.fromhex(seed)
    assert new_seed() != seed
    assert commit(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
    for bad in ("zz" * 32, SEED[:-2], SEED.upper(), " " + SEED[1:]):
        with pytest.raises(DrawError):
            commit(bad)


def test_canonical_list_sorted_by_ref_compact_and_utf8() -> None:
    data = canonical_list([Eligible("7", "علی"), Eligible("12", "زهرا")])
    assert data == '[{"name":"زهرا","ref":"12"},{"name":"علی","ref":"7"}]'.encode()
    assert list_hash(ENTRIES) == list_hash(list(reversed(ENTRIES)))
    assert list_hash(ENTRIES) == hashlib.sha256(canonical_list(ENTRIES)).hexdigest()


def test_persian_names_are_hashed_exactly_as_stored() -> None:
    # ZWNJ, Persian yeh and keheh are kept as they are: nothing is normalised on the way to the hash.
    name = "محمد‌علی کیانی"
    data = canonical_list([Eligible("1", name)])
    assert name.encode("utf-8") in data
    assert json.loads(data.decode("utf-8"))[0]["name"] == name
    arabic_yeh = name.replace("ی", "ي")
    assert list_hash([Eligible("1", name)]) != list_hash([Eligible("1", arabic_yeh)])
    record = make_record([Eligible("1", name), Eligible("2", "نرگس")], winners_count=1)
    back = from_json(to_json(record))
    assert {r["name"] for r in back["entries"]} == {name, "نرگس"}
    assert verify(back).ok


def test_duplicate_or_invalid_refs_are_rejected() -> None:
    with pytest.raises(DrawError, match="duplicated refs"):
        list_hash([Eligible("1", "a"), Eligible("1", "b")])
    with pytest.raises(DrawError, match="empty"):
        list_hash([Eligible("", "a")])
    with pytest.raises(DrawError, match="control character"):
        list_hash([Eligible("1", "a\nb")])


def test_uniform_rejects_the_biased_top_range() -> None:
    # m = 3: 2**64 = 3 * q + 1, so the single value 2**64 - 1 must be thrown away.
    chunks = iter([b"\xff" * 8, (5).to_bytes(8, "big")])
    assert uniform(3, lambda size: next(chunks)) == 2
    chunks = iter([(2**64 - 2).to_bytes(8, "big")])
    assert uniform(3, lambda size: next(chunks)) == (2**64 - 2) % 3
    assert uniform(1, lambda size: b"\x00" * 8) == 0


# --- performing -------------------------------------------------------------------------------------------------


def test_determinism_and_a_pinned_vector() -> None:
    first, second = make_record(), make_record()
    assert first.order == second.order and first.winners == second.winners
    assert first.winners == first.order[:2]
    assert sorted(first.order) == sorted(e.ref for e in ENTRIES)
    # Pinned so that any change to the protocol shows (the reference implementation below must agree too).
    assert first.order == PINNED_ORDER
    assert reference_order(to_dict(first)) == first.order


PINNED_ORDER = ["3", "7", "40", "25", "9", "12"]


def test_each_input_changes_the_order() -> None:
    base = make_record().order
    assert make_record(seed=OTHER_SEED).order != base
    assert make_record(draw_id="draw-1404-02").order != base
    assert make_record(public_entropy="4821").order != base
    changed = [*ENTRIES[:-1], Eligible("10", ENTRIES[-1].name)]
    assert make_record(changed).order != [r if r != "9" else "10" for r in base]
    renamed = [*ENTRIES[:-1], Eligible("9", "رضا موسوی‌نژاد")]
    assert make_record(renamed).order != base  # the name is in the list hash, so it feeds the randomness


def test_wrong_seed_is_rejected() -> None:
    a = announce(draw_id="d1", fund="f", winners_count=1, entries=ENTRIES, seed=SEED)
    with pytest.raises(DrawError, match="commitment"):
        perform(a, OTHER_SEED)
    with pytest.raises(DrawError):
        perform(a, "not hex")


@pytest.mark.parametrize("k", [0, -1, 7])
def test_winners_count_out_of_range_is_rejected(k: int) -> None:
    with pytest.raises(DrawError, match="winners_count"):
        announce(draw_id="d1", fund="f", winners_count=k, entries=ENTRIES, seed=SEED)
    a = announce(draw_id="d1", fund="f", winners_count=1, entries=ENTRIES, seed=SEED)
    with pytest.raises(DrawError, match="winners_count"):
        perform(replace(a, winners_count=k), SEED)


def test_entries_not_matching_the_announced_hash_are_rejected() -> None:
    a = announce(draw_id="d1", fund="f", winners_count=1, entries=ENTRIES, seed=SEED)
    with pytest.raises(DrawError, match="list hash"):
        perform(replace(a, entries=(*a.entries, Eligible("99", "تازه‌وارد"))), SEED)
    with pytest.raises(DrawError, match="duplicated"):
        perform(replace(a, entries=(*a.entries, Eligible("7", "دوباره"))), SEED)


def test_draw_id_with_separator_is_rejected() -> None:
    with pytest.raises(DrawError, match=r"\|"):
        announce(draw_id="a|b", fund="f", winners_count=1, entries=ENTRIES, seed=SEED)


@hsettings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=200),
    data=st.data(),
    seed=st.binary(min_size=32, max_size=32),
    entropy=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)
def test_order_is_a_permutation_and_winners_its_head(n: int, data: st.DataObject, seed: bytes, entropy: str) -> None:
    k = data.draw(st.integers(min_value=1, max_value=n))
    entries = [Eligible(f"m{i}", f"عضو {i}") for i in range(n)]
    record = make_record(entries, seed=seed.hex(), winners_count=k, public_entropy=entropy)
    assert sorted(record.order) == sorted(e.ref for e in entries)
    assert record.winners == record.order[:k]
    assert verify(to_dict(record)).ok


@hsettings(max_examples=30, deadline=None)
@given(
    refs=st.lists(
        st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=("Cs",)), min_size=1),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    names=st.lists(st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=("Cs",))), min_size=12),
)
def test_documented_recipe_matches_the_code(refs: list[str], names: list[str]) -> None:
    entries = [Eligible(ref, name) for ref, name in zip(refs, names, strict=False)]
    record = make_record(entries, winners_count=1, public_entropy="7 13")
    assert reference_order(to_dict(record)) == record.order


def test_uniformity_of_the_first_place() -> None:
    entries = [Eligible(str(i), f"عضو {i}") for i in range(5)]
    a = announce(draw_id="stat", fund="f", winners_count=1, entries=entries, seed=SEED)
    wins: Counter[str] = Counter()
    for i in range(5000):
        seed = seed_for(f"uniformity-{i}")
        wins[perform(replace(a, commitment=commit(seed)), seed).winners[0]] += 1
    assert set(wins) == {e.ref for e in entries}
    assert all(800 <= count <= 1200 for count in wins.values()), wins


# --- export and verification ------------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    record = make_record(public_entropy="۴۸۲۱ ۱۷")
    text = to_json(record)
    data = from_json(text)
    assert data["protocol"] == PROTOCOL == "mardom-draw-v1"
    assert data["how_to_verify"] == HOW_TO_VERIFY
    assert "زهرا کریمی" in text  # written as itself, readable
    assert data == to_dict(record)
    assert load_record(data) == record
    assert from_json(text.encode("utf-8")) == data


def test_from_json_rejects_non_objects() -> None:
    for bad in ("", "not json", "[1, 2]", "42"):
        with pytest.raises(DrawError):
            from_json(bad)


def test_verify_accepts_an_honest_record() -> None:
    result = verify(from_json(to_json(make_record(public_entropy="12 7 33"))))
    assert result.ok and result.problems == []
    assert verify(make_record()).ok  # a DrawRecord is accepted as well


def honest() -> dict[str, Any]:
    return to_dict(make_record())


def tamper_swap_winner(d: dict[str, Any]) -> None:
    loser = next(r for r in d["order"] if r not in d["winners"])
    d["winners"][0] = loser


def tamper_change_order(d: dict[str, Any]) -> None:
    d["order"][2], d["order"][3] = d["order"][3], d["order"][2]


def tamper_add_entry(d: dict[str, Any]) -> None:
    d["entries"].append({"ref": "99", "name": "تازه‌وارد"})


def tamper_remove_entry(d: dict[str, Any]) -> None:
    d["entries"] = [r for r in d["entries"] if r["ref"] != d["order"][-1]]


def tamper_rename_entry(d: dict[str, Any]) -> None:
    d["entries"][0]["name"] += " جعلی"


def tamper_seed(d: dict[str, Any]) -> None:
    d["seed"] = OTHER_SEED


def tamper_commitment(d: dict[str, Any]) -> None:
    d["commitment"] = commit(OTHER_SEED)


def tamper_entropy(d: dict[str, Any]) -> None:
    d["public_entropy"] = "1"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (tamper_swap_winner, "winners differ"),
        (tamper_change_order, "order differs"),
        (tamper_add_entry, "do not match the list hash"),
        (tamper_remove_entry, "do not match the list hash"),
        (tamper_rename_entry, "do not match the list hash"),
        (tamper_seed, "seed does not match the commitment"),
        (tamper_commitment, "seed does not match the commitment"),
        (tamper_entropy, "order differs"),
    ],
)
def test_verify_rejects_each_tampering(tamper: Any, expected: str) -> None:
    d = honest()
    tamper(d)
    result = verify(d)
    assert not result.ok
    assert any(expected in p for p in result.problems), result.problems


def test_verify_problems_are_specific() -> None:
    d = honest()
    tamper_swap_winner(d)
    assert len(verify(d).problems) == 1  # the order is still right: only the winners are wrong
    d = honest()
    tamper_commitment(d)
    assert len(verify(d).problems) == 1


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("seed"), "missing key: 'seed'"),
        (lambda d: d.pop("protocol"), "missing key: 'protocol'"),
        (lambda d: d.update(protocol="other-v9"), "unknown protocol"),
        (lambda d: d.update(winners_count="2"), "'winners_count' must be an integer"),
        (lambda d: d.update(winners_count=True), "'winners_count' must be an integer"),
        (lambda d: d.update(winners_count=99), "winners_count (99)"),
        (lambda d: d.update(order="7,12"), "'order' must be a list of strings"),
        (lambda d: d.update(winners=[1, 2]), "'winners' must be a list of strings"),
        (lambda d: d.update(entries={"7": "x"}), "'entries' must be a list"),
        (lambda d: d["entries"].append("x"), "entry 6 must be an object"),
        (lambda d: d["entries"].append({"ref": 5, "name": "x"}), "entry 6: 'ref' and 'name' must be strings"),
        (lambda d: d["entries"].append({"ref": "7", "name": "x"}), "duplicated refs: '7'"),
        (lambda d: d.update(seed="xyz"), "64 lowercase hex"),
        (lambda d: d.update(draw_id=None), "'draw_id' must be a string"),
    ],
)
def test_verify_never_raises_on_malformed_input(mutate: Any, expected: str) -> None:
    d = honest()
    mutate(d)
    result = verify(d)
    assert not result.ok
    assert any(expected in p for p in result.problems), result.problems


@pytest.mark.parametrize("junk", [None, 42, "text", [1, 2], {}])
def test_verify_of_junk(junk: Any) -> None:
    result = verify(junk)
    assert not result.ok and result.problems


# --- the management command -------------------------------------------------------------------------------------


def draw_verify_command() -> Any:
    return importlib.import_module("mardom.funds.management.commands.draw-verify").Command()


def test_command_verifies_an_exported_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = make_record()
    path = tmp_path / "draw.json"
    path.write_text(to_json(record), encoding="utf-8")
    call_command(draw_verify_command(), str(path))
    out = capsys.readouterr().out
    assert "verified: winners " + record.winners[0] in out


def test_command_fails_on_a_tampered_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = honest()
    tamper_swap_winner(d)
    tamper_commitment(d)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="2 problem"):
        call_command(draw_verify_command(), str(path))
    err = capsys.readouterr().err
    assert "winners differ" in err and "commitment" in err


def test_command_fails_on_unreadable_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command(draw_verify_command(), str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command(draw_verify_command(), str(bad))


def test_command_by_name_once_the_app_is_installed(tmp_path: Path) -> None:
    if "mardom.funds" not in settings.INSTALLED_APPS and not any(
        a.startswith("mardom.funds.") for a in settings.INSTALLED_APPS
    ):
        pytest.skip("mardom.funds is not in INSTALLED_APPS yet")
    path = tmp_path / "draw.json"
    path.write_text(to_json(make_record()), encoding="utf-8")
    call_command("draw-verify", str(path))
    d = honest()
    tamper_seed(d)
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("draw-verify", str(path))


def test_records_are_independent_copies() -> None:
    d = honest()
    snapshot = copy.deepcopy(d)
    verify(d)
    assert d == snapshot  # verification never mutates what it reads
