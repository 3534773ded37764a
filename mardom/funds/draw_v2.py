"""The loan lottery, protocol "mardom-draw-v2": a draw nobody can steer once it is announced.

Like v1 (``mardom.funds.draw``) this module is pure Python, standard library only, so anyone can read, copy
and run it outside the platform. It follows RFC 3797's rule: the sources of randomness are fixed in the
announcement, before anyone can know their values, and the result follows mechanically from them. There is
no secret seed on the server: nothing in the database or a backup lets anyone choose or foresee the winners.

The announcement
----------------
A JSON object with exactly the keys ``protocol`` ("mardom-draw-v2"), ``draw_id`` (unique, never reused),
``fund_id``, ``fund``, ``number``, ``winners_count``, ``scheduled_at`` and ``announced_at`` (ISO 8601 with
an offset), ``notice_days``, ``entries`` (the frozen eligible list, as in v1), ``list_hash`` (as in v1),
``excluded`` (``[{"name", "reason", "ref"}]``: the fund's members left out, each with the reason) and
``source``, which is one of:

* ``{"kind": "public_value", "name": ..., "date": "YYYY-MM-DD", "places": p}``: a figure published on a
  stated future date by somebody outside the fund (for example an index's closing figure). Its canonical
  form: Persian and Arabic-Indic digits read as Latin, the thousands separators ``,`` ``٬`` and spaces
  removed, ``٫`` read as ``.``; what is left must be digits with exactly ``p`` decimal places (none when p
  is 0); leading zeros of the whole part are dropped (keeping one ``0``).
* ``{"kind": "sealed", "holders": [{"name", "ref"}, ...]}``: at least three members, sorted by ``ref``, who
  each write a whole number (1 to 18 digits) and seal it after the announcement, before any is read. Its
  canonical form: digits read as Latin, surrounding spaces removed, leading zeros dropped (keeping one ``0``).
  With two or more honest holders no single holder can steer: the last one to speak does not know the
  sealed numbers of the others.

``digest`` is the SHA-256 (lowercase hex) of the canonical JSON of those keys (sorted keys, no whitespace,
UTF-8, non-ASCII written as itself): ``json.dumps(doc, sort_keys=True, ensure_ascii=False,
separators=(",", ":")).encode("utf-8")``. It binds everything above. Each member receives the digest and the
list hash by SMS at the announcement and keeps the downloaded announcement: no later copy can differ.

The draw
--------
1. The values are entered: the public figure, or the sealed numbers in the order of ``holders``. Each is
   put in its canonical form (an empty or malformed value is refused: the draw does not happen).
2. ``seed`` = SHA-256 of the UTF-8 bytes of ``"mardom-draw-v2/" + digest + "/"`` followed by each canonical
   value terminated by ``"/"`` (RFC 3797 style), as 64 lowercase hex digits.
3. The order is v1's steps 6-8 with that seed and an empty public entropy: for counter = 0, 1, ... the
   block HMAC-SHA256(key = seed bytes, message = UTF-8 of list_hash + "|" + draw_id + "|" + counter + "|"),
   8-byte big-endian draws with rejection of the biased top range, and a forward Fisher–Yates shuffle of
   the refs in canonical order. The winners are the first ``winners_count`` refs.

The record is the announcement (with ``digest``) plus ``values``, ``seed``, ``performed_at``, ``order`` and
``winners``; ``verify`` recomputes it and, given a member's saved announcement, checks that the record is
the very draw she was told about.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .draw import DrawError, Eligible, VerifyResult, _entry_problems, _text_problem, list_hash, shuffled_refs

PROTOCOL = "mardom-draw-v2"
MIN_HOLDERS = 3
MAX_PLACES = 6

HOW_TO_VERIFY = (
    "Protocol mardom-draw-v2. "
    "(1) The announcement is the object of the keys protocol, draw_id, fund_id, fund, number, winners_count, "
    "scheduled_at, announced_at, notice_days, entries, list_hash, excluded and source. Its 'digest' is SHA-256 "
    "of its canonical JSON (keys sorted, no spaces, UTF-8, non-ASCII written as itself); it must equal the "
    "digest you received by SMS and the one in your saved announcement. "
    "(2) 'list_hash' is computed from 'entries' as in mardom-draw-v1. "
    "(3) Each value is put in its canonical form (see 'source': the public figure's digits with exactly "
    "'places' decimals, or each sealed number's digits, leading zeros dropped). "
    "(4) seed = SHA-256 of UTF-8 of 'mardom-draw-v2/' + digest + '/' followed by each canonical value and '/'. "
    "(5) Byte stream: for counter = 0, 1, 2, ... append HMAC-SHA256 with key = the seed bytes and message = "
    "the UTF-8 bytes of list_hash + '|' + draw_id + '|' + decimal counter + '|'. "
    "(6) uniform(m): read the next 8 bytes as an unsigned big-endian integer x; if x >= floor(2^64 / m) * m "
    "discard it and read the next 8; otherwise the result is x mod m. "
    "(7) Start from the refs sorted by code point; with n entries, for i = 0 .. n-2 swap position i with "
    "position i + uniform(n - i). The result must equal 'order'; 'winners' are its first 'winners_count' refs."
)

ANNOUNCEMENT_KEYS = (
    "protocol", "draw_id", "fund_id", "fund", "number", "winners_count", "scheduled_at", "announced_at",
    "notice_days", "entries", "list_hash", "excluded", "source",
)
RECORD_KEYS = ("values", "seed", "performed_at", "order", "winners")

_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)
_SEPARATORS = re.compile(r"[,\u066c\s\u200c\u200f\u200e]")
_DECIMAL_RE = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_SEALED_RE = re.compile(r"[0-9]{1,18}")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- canonical forms ---------------------------------------------------------------------------------------


def _strip_zeros(digits: str) -> str:
    return digits.lstrip("0") or "0"


def canonical_public_value(raw: object, places: int) -> str:
    """The canonical form of a published figure; DrawError when it is empty or not in the stated form."""
    if not isinstance(raw, str):
        raise DrawError("the public value must be text")
    text = _SEPARATORS.sub("", raw.translate(_TO_LATIN)).replace("\u066b", ".")
    if not text:
        raise DrawError("the public value is empty")
    match = _DECIMAL_RE.fullmatch(text)
    if not match:
        raise DrawError("the public value must be digits, with a decimal point only where stated")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) != places:
        raise DrawError(f"the public value must have exactly {places} decimal place(s)")
    return _strip_zeros(whole) + (f".{fraction}" if places else "")


def canonical_sealed_value(raw: object) -> str:
    """The canonical form of a sealed number; DrawError when it is empty or not a whole number."""
    if not isinstance(raw, str):
        raise DrawError("a sealed number must be text")
    text = raw.translate(_TO_LATIN).strip()
    if not text:
        raise DrawError("a sealed number is empty")
    if not _SEALED_RE.fullmatch(text):
        raise DrawError("a sealed number must be a whole number of 1 to 18 digits")
    return _strip_zeros(text)


def canonical_values(source: Mapping[str, Any], raw: Sequence[object]) -> list[str]:
    """The values of the source in canonical form, in order (one public value, or one per holder)."""
    if source.get("kind") == "public_value":
        if len(raw) != 1:
            raise DrawError("a public-value draw takes exactly one value")
        return [canonical_public_value(raw[0], int(source["places"]))]
    if source.get("kind") == "sealed":
        holders = source["holders"]
        if len(raw) != len(holders):
            raise DrawError(f"a sealed draw takes one number from each of its {len(holders)} holders")
        values = []
        for holder, value in zip(holders, raw, strict=True):
            try:
                values.append(canonical_sealed_value(value))
            except DrawError as error:
                raise DrawError(f"holder {holder['ref']}: {error}") from error
        return values
    raise DrawError(f"unknown randomness source {source.get('kind')!r}")


def canonical_json(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def announcement_part(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {key: doc[key] for key in ANNOUNCEMENT_KEYS if key in doc}


def digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the announcement keys (other keys, such as the result, are ignored)."""
    return hashlib.sha256(canonical_json(announcement_part(doc))).hexdigest()


def seed(announcement_digest: str, values: Sequence[str]) -> str:
    text = f"{PROTOCOL}/{announcement_digest}/" + "".join(f"{value}/" for value in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- building -----------------------------------------------------------------------------------------------


def _parse_time(value: object, what: str) -> datetime.datetime:
    if not isinstance(value, str):
        raise DrawError(f"{what} must be ISO 8601 text")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise DrawError(f"{what} is not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        raise DrawError(f"{what} must carry its UTC offset")
    return moment


def announcement_problems(doc: Mapping[str, Any]) -> list[str]:
    """Every reason this announcement is not a valid v2 announcement (its digest is not checked here)."""
    problems: list[str] = []
    missing = [key for key in ANNOUNCEMENT_KEYS if key not in doc]
    if missing:
        return [f"missing key: {key!r}" for key in missing]
    if doc["protocol"] != PROTOCOL:
        return [f"unknown protocol {doc['protocol']!r} (expected {PROTOCOL!r})"]
    for key in ("draw_id", "fund", "list_hash"):
        problem = _text_problem(doc[key], key, allow_empty=key != "fund")
        if problem:
            problems.append(problem)
    if isinstance(doc["draw_id"], str) and "|" in doc["draw_id"]:
        problems.append("draw_id must not contain '|'")
    for key in ("fund_id", "number", "winners_count", "notice_days"):
        value = doc[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{key!r} must be a whole number")
    rows = doc["entries"]
    if not isinstance(rows, list) or not all(
            isinstance(r, dict) and set(r) == {"ref", "name"} and all(isinstance(v, str) for v in r.values())
            for r in rows):
        return [*problems, "'entries' must be a list of objects with the text keys 'ref' and 'name'"]
    entries = [Eligible(r["ref"], r["name"]) for r in rows]
    entry_problems = _entry_problems(entries)
    problems.extend(entry_problems)
    if not rows:
        problems.append("the eligible list is empty")
    elif not entry_problems and list_hash(entries) != doc["list_hash"]:
        problems.append("the entries do not match the list hash")
    if [r["ref"] for r in rows] != sorted(r["ref"] for r in rows):
        problems.append("the entries are not in canonical order (sorted by ref)")
    k = doc["winners_count"]
    if isinstance(k, int) and not 1 <= k <= max(len(rows), 1):
        problems.append(f"winners_count ({k}) must be between 1 and the number of entries ({len(rows)})")
    excluded = doc["excluded"]
    if not isinstance(excluded, list) or not all(
            isinstance(r, dict) and set(r) == {"ref", "name", "reason"} and all(isinstance(v, str) for v in r.values())
            for r in excluded):
        problems.append("'excluded' must be a list of objects with the text keys 'ref', 'name' and 'reason'")
    else:
        both = {r["ref"] for r in rows} & {r["ref"] for r in excluded}
        if both:
            problems.append("members both eligible and excluded: " + ", ".join(sorted(both)))
        if any(not r["reason"].strip() for r in excluded):
            problems.append("every excluded member needs a reason")
    try:
        announced = _parse_time(doc["announced_at"], "announced_at")
        scheduled = _parse_time(doc["scheduled_at"], "scheduled_at")
    except DrawError as error:
        return [*problems, str(error)]
    notice = doc["notice_days"]
    if isinstance(notice, int) and scheduled - announced < datetime.timedelta(days=notice):
        problems.append(f"the draw is held less than {notice} day(s) after its announcement")
    problems.extend(_source_problems(doc["source"], announced, scheduled))
    return problems


def _source_problems(source: object, announced: datetime.datetime, scheduled: datetime.datetime) -> list[str]:
    if not isinstance(source, dict):
        return ["'source' must be an object"]
    kind = source.get("kind")
    if kind == "public_value":
        if set(source) != {"kind", "name", "date", "places"}:
            return ["a public_value source has exactly the keys kind, name, date and places"]
        problems = []
        if not isinstance(source["name"], str) or not source["name"].strip():
            problems.append("the public source must be named")
        places = source["places"]
        if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= MAX_PLACES:
            problems.append(f"'places' must be a whole number from 0 to {MAX_PLACES}")
        date = source["date"]
        if not isinstance(date, str) or not _DATE_RE.fullmatch(date):
            return [*problems, "the public value's date must be YYYY-MM-DD"]
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            return [*problems, "the public value's date is not a date"]
        if not announced.date() < day <= scheduled.date():
            problems.append("the public value must be of a day after the announcement and not after the draw")
        return problems
    if kind == "sealed":
        if set(source) != {"kind", "holders"}:
            return ["a sealed source has exactly the keys kind and holders"]
        holders = source["holders"]
        if not isinstance(holders, list) or not all(
                isinstance(h, dict) and set(h) == {"ref", "name"} and all(isinstance(v, str) for v in h.values())
                for h in holders):
            return ["'holders' must be a list of objects with the text keys 'ref' and 'name'"]
        refs = [h["ref"] for h in holders]
        problems = []
        if len(set(refs)) < MIN_HOLDERS or len(set(refs)) != len(refs):
            problems.append(f"a sealed draw needs at least {MIN_HOLDERS} different holders")
        if refs != sorted(refs):
            problems.append("the holders are not sorted by ref")
        return problems
    return [f"unknown randomness source {kind!r}"]


def announce(**fields: Any) -> dict[str, Any]:
    """The announcement document (with its digest and the recipe). Raises DrawError listing the problems."""
    rows = sorted(({"ref": e.ref, "name": e.name} for e in fields.pop("entries")), key=lambda r: r["ref"])
    doc: dict[str, Any] = {"protocol": PROTOCOL, "entries": rows, **fields}
    if "list_hash" not in doc:
        doc["list_hash"] = list_hash(Eligible(r["ref"], r["name"]) for r in rows) if rows else ""
    doc["excluded"] = sorted(doc.get("excluded", []), key=lambda r: r["ref"])
    problems = announcement_problems(doc)
    if problems:
        raise DrawError("; ".join(problems))
    part = announcement_part(doc)
    return {**part, "digest": digest(part), "how_to_verify": HOW_TO_VERIFY}


def perform(doc: Mapping[str, Any], raw_values: Sequence[object], *, performed_at: str) -> dict[str, Any]:
    """The record: the announcement, the canonical values, the seed and the result. DrawError on bad input."""
    problems = announcement_problems(doc)
    if problems:
        raise DrawError("; ".join(problems))
    if doc.get("digest") != digest(doc):
        raise DrawError("the announcement does not match its digest")
    values = canonical_values(doc["source"], raw_values)
    if _parse_time(performed_at, "performed_at") < _parse_time(doc["scheduled_at"], "scheduled_at"):
        raise DrawError("the draw cannot be performed before its scheduled time")
    key = seed(doc["digest"], values)
    entries = [Eligible(r["ref"], r["name"]) for r in doc["entries"]]
    order = shuffled_refs(entries, key, doc["draw_id"], "")
    return {**announcement_part(doc), "digest": doc["digest"], "how_to_verify": HOW_TO_VERIFY, "values": values,
            "seed": key, "performed_at": performed_at, "order": order, "winners": order[: doc["winners_count"]]}


def to_json(doc: Mapping[str, Any]) -> str:
    return json.dumps(dict(doc), ensure_ascii=False, indent=2) + "\n"


# --- verification -------------------------------------------------------------------------------------------


def verify_announcement(doc: object) -> VerifyResult:
    """A saved announcement on its own: well formed and matching its digest. Never raises."""
    if not isinstance(doc, Mapping):
        return VerifyResult(False, [f"the announcement must be a JSON object, not {type(doc).__name__}"])
    try:
        problems = announcement_problems(doc)
        if not problems and doc.get("digest") != digest(doc):
            problems.append(f"the announcement does not match its digest: recomputed {digest(doc)}, "
                            f"written {doc.get('digest')!r}")
        return VerifyResult(not problems, problems)
    except Exception as exc:  # a verifier reports, it never crashes on hostile input
        return VerifyResult(False, [f"could not verify: {exc}"])


def verify(data: object, announced: object = None) -> VerifyResult:
    """Recompute a v2 record; with ``announced`` (the member's saved announcement), also check that the record
    is that very draw. Lists every disagreement; never raises."""
    try:
        return _verify(data, announced)
    except Exception as exc:  # a verifier reports, it never crashes on hostile input
        return VerifyResult(False, [f"could not verify: {exc}"])


def _verify(data: object, announced: object) -> VerifyResult:
    result = verify_announcement(data)
    if not isinstance(data, Mapping) or not result.ok:
        return result
    problems: list[str] = []
    missing = [key for key in RECORD_KEYS if key not in data]
    if missing:
        return VerifyResult(False, [f"missing key: {key!r} (is this an announcement, not a record?)"
                                    for key in missing])
    if announced is not None:
        saved = verify_announcement(announced)
        if not saved.ok:
            return VerifyResult(False, ["your saved announcement: " + p for p in saved.problems])
        assert isinstance(announced, Mapping)
        for key in ANNOUNCEMENT_KEYS:
            if data[key] != announced[key]:
                problems.append(f"{key!r} differs from your saved announcement")
        if data["digest"] != announced["digest"]:
            problems.append(f"the digest differs from your saved announcement: record {data['digest']}, "
                            f"saved {announced['digest']}")
    values = data["values"]
    if not isinstance(values, list):
        return VerifyResult(False, [*problems, "'values' must be a list"])
    try:
        canonical = canonical_values(data["source"], values)
    except DrawError as error:
        return VerifyResult(False, [*problems, f"a value is not in its canonical form: {error}"])
    if canonical != values:
        problems.append("the values are not written in their canonical form")
    try:
        if _parse_time(data["performed_at"], "performed_at") < _parse_time(data["scheduled_at"], "scheduled_at"):
            problems.append("the draw was performed before its scheduled time")
    except DrawError as error:
        problems.append(str(error))
    expected_seed = seed(data["digest"], canonical)
    if data["seed"] != expected_seed:
        problems.append(f"the seed does not follow from the digest and the values: recomputed {expected_seed}")
    entries = [Eligible(r["ref"], r["name"]) for r in data["entries"]]
    expected = shuffled_refs(entries, expected_seed, data["draw_id"], "")
    k = data["winners_count"]
    if data["order"] != expected:
        problems.append("the order differs from the recomputed order")
    if data["winners"] != expected[:k]:
        problems.append(f"the winners differ from the first {k} of the recomputed order: "
                        f"recorded {data['winners']}, recomputed {expected[:k]}")
    return VerifyResult(not problems, problems)


def is_hex_digest(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64_RE.fullmatch(value))
