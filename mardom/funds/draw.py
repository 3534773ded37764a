"""The verifiable lottery (قرعه‌کشی) of a loan fund: protocol "mardom-draw-v1".

Anyone can recompute a draw from its published record with nothing but SHA-256, HMAC-SHA256 and JSON. This
module is pure Python (standard library only) so that it can be read, copied and run outside the platform.

Before the draw (the announcement)
----------------------------------
1. The fund freezes the list of eligible members. Each entry is ``{"ref": ..., "name": ...}``: ``ref`` is an
   opaque, unique member reference (for example the membership number), ``name`` the display name. Neither may
   contain control characters (U+0000..U+001F) or lone surrogates, and ``ref`` may not be empty.
2. The canonical form of the list is the JSON array of the entries sorted by ``ref`` (by Unicode code point,
   which is the same as the order of their UTF-8 bytes), each entry an object with exactly the keys ``name``
   and ``ref`` in that order, no whitespace at all, non-ASCII characters written as themselves (not ``\\u``
   escapes), ``"`` and ``\\`` escaped as ``\\"`` and ``\\\\``, encoded as UTF-8. In Python:
   ``json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")``.
   Example: ``[{"name":"زهرا کریمی","ref":"12"},{"name":"علی رضایی","ref":"7"}]`` ("12" sorts before "7":
   refs are text, not numbers). ``list_hash`` is the SHA-256 of those bytes, as 64 lowercase hex digits.
   Text is not normalised here: names and refs are hashed exactly as stored (the platform stores them already
   normalised). The ref is what the draw is about; a name only helps people read the list.
3. The fund generates a secret seed of 32 random bytes (``new_seed()``, from the operating system's secure
   random source) and publishes only its commitment ``commitment = SHA-256(seed bytes)`` (hex, lowercase),
   together with the list (and its hash), the number of winners ``k`` (1 <= k <= number of entries), the fund,
   the draw id (non-empty, without ``|`` or control characters) and the scheduled time.

At the draw
-----------
4. Optionally, public entropy is fixed in front of everyone: a number announced at the meeting, or several
   members' chosen numbers written one after another. It is recorded exactly as written (``"4821 17 903"`` and
   ``"۴۸۲۱ ۱۷ ۹۰۳"`` are different values); when there is none it is the empty string.
5. The seed is revealed. Anyone checks ``SHA-256(seed bytes) == commitment``.
6. A byte stream is derived from the seed: for ``counter`` = 0, 1, 2, ... the block
   ``HMAC-SHA256(key = seed bytes, message = UTF-8 of list_hash + "|" + draw_id + "|" + str(counter) + "|" +
   public_entropy)`` gives 32 bytes (the counter in decimal without leading zeros; the message always has
   three ``|``, also when the public entropy is empty). The stream is block 0, then block 1, and so on.
7. ``uniform(m)`` (an integer 0 <= r < m, without modulo bias): take the next 8 bytes of the stream as an
   unsigned big-endian integer ``x``; if ``x >= floor(2**64 / m) * m`` discard it and take the next 8 bytes;
   otherwise ``r = x mod m``.
8. Start from the refs in canonical order (sorted as in step 2); with ``n`` entries, for ``i`` = 0, 1, ...,
   n-2: ``j = i + uniform(n - i)``, swap positions ``i`` and ``j`` (a forward Fisher–Yates shuffle: position 0
   is drawn first from everyone, position 1 from those left, and so on). The result is the drawn order.
9. The winners are the first ``k`` refs of the order; the rest of the order is a fair waiting list.

What it guarantees, and what it does not
----------------------------------------
Once the commitment is published the fund cannot change the seed, the list or the number of winners without
everyone seeing it, and the result follows mechanically from them. The fund knows its own seed, so without
public entropy it could know the result in advance, and it could have tried many lists before publishing;
public entropy fixed at the meeting, after the announcement, removes both. A fund that refuses to reveal the
seed cannot hide it: the draw simply has no valid result, which is itself visible.

The export (``to_json``) is a JSON object with the keys ``protocol`` ("mardom-draw-v1"), ``how_to_verify``,
``draw_id``, ``fund``, ``scheduled_at``, ``winners_count``, ``entries``, ``list_hash``, ``commitment``,
``seed``, ``public_entropy``, ``order`` and ``winners``; ``verify`` recomputes everything from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

PROTOCOL = "mardom-draw-v1"

HOW_TO_VERIFY = (
    "Protocol mardom-draw-v1. "
    "(1) Check that SHA-256 of the 32 seed bytes (the 'seed' field is their hex) equals 'commitment'. "
    "(2) Sort 'entries' by 'ref' (Unicode code point order) and serialise them as compact JSON: an array of "
    'objects with keys "name" then "ref", no spaces, non-ASCII characters written as UTF-8 (not \\u escapes); '
    "SHA-256 of these UTF-8 bytes, in lowercase hex, must equal 'list_hash'. "
    "(3) Byte stream: for counter = 0, 1, 2, ... append HMAC-SHA256 with key = the seed bytes and message = "
    "the UTF-8 bytes of list_hash + '|' + draw_id + '|' + decimal counter + '|' + public_entropy. "
    "(4) uniform(m): read the next 8 bytes of the stream as an unsigned big-endian integer x; if "
    "x >= floor(2^64 / m) * m, discard it and read the next 8 bytes; otherwise the result is x mod m. "
    "(5) Start from the sorted refs; with n entries, for i = 0 .. n-2 swap position i with position "
    "i + uniform(n - i). The result must equal 'order'. "
    "(6) 'winners' must be the first 'winners_count' refs of 'order'."
)

_SEED_RE = re.compile(r"[0-9a-f]{64}")
_HEX64_RE = _SEED_RE
_FORBIDDEN_RE = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_TWO_64 = 1 << 64


class DrawError(ValueError):
    """A draw cannot be performed or a record cannot be read as given."""


@dataclass(frozen=True)
class Eligible:
    """One entry of the frozen list: an opaque member reference and a display name."""

    ref: str
    name: str


@dataclass(frozen=True)
class DrawAnnouncement:
    """What is published before the draw. ``entries`` are kept in canonical order (sorted by ref)."""

    draw_id: str
    fund: str
    winners_count: int
    list_hash: str
    commitment: str
    entries: tuple[Eligible, ...]
    scheduled_at: str = ""  # ISO 8601 text, informational: it takes no part in the computation


@dataclass(frozen=True)
class DrawRecord:
    """The announcement, the revealed seed, the public entropy and the result."""

    announcement: DrawAnnouncement
    seed: str
    public_entropy: str
    order: list[str]
    winners: list[str]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    problems: list[str] = field(default_factory=list)


# --- the list ------------------------------------------------------------------------------------------------


def _text_problem(value: object, what: str, *, allow_empty: bool = True) -> str | None:
    if not isinstance(value, str):
        return f"{what} must be a string, not {type(value).__name__}"
    if not allow_empty and not value:
        return f"{what} must not be empty"
    if _FORBIDDEN_RE.search(value):
        return f"{what} contains a control character or a lone surrogate"
    return None


def _entry_problems(entries: Iterable[Eligible]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    for index, entry in enumerate(entries):
        for problem in (
            _text_problem(entry.ref, f"entry {index}: ref", allow_empty=False),
            _text_problem(entry.name, f"entry {index}: name"),
        ):
            if problem:
                problems.append(problem)
        if isinstance(entry.ref, str):
            if entry.ref in seen:
                duplicates.append(entry.ref)
            seen.add(entry.ref)
    if duplicates:
        problems.append("duplicated refs: " + ", ".join(repr(r) for r in sorted(set(duplicates))))
    return problems


def _sorted_entries(entries: Iterable[Eligible]) -> list[Eligible]:
    entries = list(entries)
    problems = _entry_problems(entries)
    if problems:
        raise DrawError("; ".join(problems))
    return sorted(entries, key=lambda e: e.ref)


def canonical_list(entries: Iterable[Eligible]) -> bytes:
    """The canonical UTF-8 JSON of the list (step 2). Raises DrawError on duplicated or invalid refs."""
    rows = [{"name": e.name, "ref": e.ref} for e in _sorted_entries(entries)]
    return json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def list_hash(entries: Iterable[Eligible]) -> str:
    return hashlib.sha256(canonical_list(entries)).hexdigest()


# --- seed and commitment -------------------------------------------------------------------------------------


def new_seed() -> str:
    """32 bytes from the operating system's secure random source, as 64 lowercase hex digits."""
    return secrets.token_hex(32)


def _seed_bytes(seed_hex: object) -> bytes:
    if not isinstance(seed_hex, str) or not _SEED_RE.fullmatch(seed_hex):
        raise DrawError("the seed must be 64 lowercase hex digits (32 bytes)")
    return bytes.fromhex(seed_hex)


def commit(seed_hex: str) -> str:
    """The commitment published before the draw: SHA-256 of the seed bytes, lowercase hex."""
    return hashlib.sha256(_seed_bytes(seed_hex)).hexdigest()


# --- randomness ------------------------------------------------------------------------------------------------


def byte_stream(seed_hex: str, list_hash_hex: str, draw_id: str, public_entropy: str = "") -> Iterator[bytes]:
    """The endless stream of 32-byte HMAC blocks of step 6."""
    key = _seed_bytes(seed_hex)
    counter = 0
    while True:
        message = f"{list_hash_hex}|{draw_id}|{counter}|{public_entropy}".encode()
        yield hmac.new(key, message, hashlib.sha256).digest()
        counter += 1


class _Reader:
    """Reads the stream 8 bytes at a time."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._buffer = b""

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._buffer += next(self._blocks)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk


def uniform(m: int, read: Callable[[int], bytes]) -> int:
    """An unbiased integer in [0, m) from 8-byte big-endian draws, rejecting the top partial range (step 7)."""
    if m < 1 or m > _TWO_64:
        raise DrawError("uniform() needs 1 <= m <= 2**64")
    limit = (_TWO_64 // m) * m
    while True:
        x = int.from_bytes(read(8), "big")
        if x < limit:
            return x % m


def shuffled_refs(entries: Iterable[Eligible], seed_hex: str, draw_id: str, public_entropy: str = "") -> list[str]:
    """The drawn order of all refs (steps 6-8)."""
    ordered = _sorted_entries(entries)
    digest = hashlib.sha256(canonical_list(ordered)).hexdigest()
    reader = _Reader(byte_stream(seed_hex, digest, draw_id, public_entropy))
    refs = [e.ref for e in ordered]
    n = len(refs)
    for i in range(n - 1):
        j = i + uniform(n - i, reader.read)
        refs[i], refs[j] = refs[j], refs[i]
    return refs


# --- announcing and performing -------------------------------------------------------------------------------


def _check_announcement_fields(draw_id: object, fund: object, winners_count: object, n: int) -> None:
    problem = _text_problem(draw_id, "draw_id", allow_empty=False) or _text_problem(fund, "fund")
    if problem:
        raise DrawError(problem)
    if "|" in str(draw_id):
        raise DrawError("draw_id must not contain '|'")
    if not isinstance(winners_count, int) or isinstance(winners_count, bool):
        raise DrawError("winners_count must be an integer")
    if winners_count < 1:
        raise DrawError("winners_count must be at least 1")
    if winners_count > n:
        raise DrawError(f"winners_count ({winners_count}) is more than the number of entries ({n})")


def announce(
    *,
    draw_id: str,
    fund: str,
    winners_count: int,
    entries: Iterable[Eligible],
    seed: str,
    scheduled_at: str = "",
) -> DrawAnnouncement:
    """Freeze the list and commit to the seed (keep the seed secret until the draw)."""
    ordered = tuple(_sorted_entries(entries))
    _check_announcement_fields(draw_id, fund, winners_count, len(ordered))
    return DrawAnnouncement(
        draw_id=draw_id,
        fund=fund,
        winners_count=winners_count,
        list_hash=list_hash(ordered),
        commitment=commit(seed),
        entries=ordered,
        scheduled_at=scheduled_at,
    )


def perform(announcement: DrawAnnouncement, seed: str, public_entropy: str = "") -> DrawRecord:
    """Reveal the seed and draw. Raises DrawError if anything does not match the announcement."""
    ordered = tuple(_sorted_entries(announcement.entries))
    _check_announcement_fields(announcement.draw_id, announcement.fund, announcement.winners_count, len(ordered))
    if not hmac.compare_digest(commit(seed), str(announcement.commitment)):
        raise DrawError("the seed does not match the announced commitment")
    if list_hash(ordered) != announcement.list_hash:
        raise DrawError("the entries do not match the announced list hash")
    if not isinstance(public_entropy, str) or _SURROGATE_RE.search(public_entropy):
        raise DrawError("public_entropy must be text (without lone surrogates)")
    order = shuffled_refs(ordered, seed, announcement.draw_id, public_entropy)
    return DrawRecord(
        announcement=replace(announcement, entries=ordered),
        seed=seed,
        public_entropy=public_entropy,
        order=order,
        winners=order[: announcement.winners_count],
    )


# --- export and verification ---------------------------------------------------------------------------------


def to_dict(record: DrawRecord) -> dict[str, Any]:
    a = record.announcement
    return {
        "protocol": PROTOCOL,
        "how_to_verify": HOW_TO_VERIFY,
        "draw_id": a.draw_id,
        "fund": a.fund,
        "scheduled_at": a.scheduled_at,
        "winners_count": a.winners_count,
        "list_hash": a.list_hash,
        "commitment": a.commitment,
        "seed": record.seed,
        "public_entropy": record.public_entropy,
        "entries": [{"ref": e.ref, "name": e.name} for e in sorted(a.entries, key=lambda e: e.ref)],
        "order": list(record.order),
        "winners": list(record.winners),
    }


def to_json(record: DrawRecord) -> str:
    """The export format: readable JSON (UTF-8 text, Persian written as itself)."""
    return json.dumps(to_dict(record), ensure_ascii=False, indent=2) + "\n"


def from_json(text: str | bytes) -> dict[str, Any]:
    """Parse an exported record. Raises DrawError if it is not a JSON object; ``verify`` checks the rest."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DrawError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DrawError(f"the record must be a JSON object, not {type(data).__name__}")
    return data


_STR_FIELDS = ("draw_id", "fund", "list_hash", "commitment", "seed", "public_entropy")


def _shape_problems(data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in (*_STR_FIELDS, "winners_count", "entries", "order", "winners"):
        if key not in data:
            problems.append(f"missing key: {key!r}")
    for key in _STR_FIELDS:
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key!r} must be a string, not {type(data[key]).__name__}")
    if "scheduled_at" in data and not isinstance(data["scheduled_at"], str):
        problems.append("'scheduled_at' must be a string")
    wc = data.get("winners_count")
    if "winners_count" in data and (not isinstance(wc, int) or isinstance(wc, bool)):
        problems.append(f"'winners_count' must be an integer, not {type(wc).__name__}")
    for key in ("order", "winners"):
        value = data.get(key)
        if key in data and (not isinstance(value, list) or not all(isinstance(r, str) for r in value)):
            problems.append(f"{key!r} must be a list of strings")
    entries = data.get("entries")
    if "entries" in data:
        if not isinstance(entries, list):
            problems.append("'entries' must be a list")
        else:
            for index, row in enumerate(entries):
                if not isinstance(row, dict) or set(row) != {"ref", "name"}:
                    problems.append(f"entry {index} must be an object with exactly the keys 'ref' and 'name'")
                elif not isinstance(row["ref"], str) or not isinstance(row["name"], str):
                    problems.append(f"entry {index}: 'ref' and 'name' must be strings")
    return problems


def _first_difference(recorded: list[str], expected: list[str]) -> str:
    for position, (got, want) in enumerate(zip(recorded, expected, strict=False)):
        if got != want:
            return f"first difference at position {position + 1}: recorded {got!r}, recomputed {want!r}"
    return f"recorded {len(recorded)} refs, recomputed {len(expected)}"


def verify(data: object) -> VerifyResult:
    """Recompute a record (an exported dict, or a DrawRecord) and list every disagreement. Never raises."""
    if isinstance(data, DrawRecord):
        data = to_dict(data)
    if not isinstance(data, Mapping):
        return VerifyResult(False, [f"the record must be a JSON object, not {type(data).__name__}"])
    try:
        return _verify(data)
    except Exception as exc:  # a verifier reports, it never crashes on hostile input
        return VerifyResult(False, [f"could not verify: {exc}"])


def _verify(data: Mapping[str, Any]) -> VerifyResult:
    protocol = data.get("protocol")
    if protocol != PROTOCOL:
        problem = "missing key: 'protocol'" if "protocol" not in data else f"unknown protocol {protocol!r}"
        return VerifyResult(False, [f"{problem} (expected {PROTOCOL!r})"])
    problems = _shape_problems(data)
    if problems:
        return VerifyResult(False, problems)

    problems = []
    seed: str = data["seed"]
    if not _SEED_RE.fullmatch(seed):
        problems.append("the seed must be 64 lowercase hex digits (32 bytes)")
    elif not hmac.compare_digest(commit(seed), data["commitment"]):
        problems.append("the seed does not match the commitment: SHA-256(seed) != commitment")
    if not _HEX64_RE.fullmatch(data["commitment"]):
        problems.append("the commitment must be 64 lowercase hex digits")

    entries = [Eligible(ref=row["ref"], name=row["name"]) for row in data["entries"]]
    entry_problems = _entry_problems(entries)
    problems.extend(entry_problems)
    draw_id: str = data["draw_id"]
    if not draw_id or "|" in draw_id or _FORBIDDEN_RE.search(draw_id):
        problems.append("draw_id must be non-empty, without '|' or control characters")
    public_entropy: str = data["public_entropy"]
    if _SURROGATE_RE.search(public_entropy):
        problems.append("public_entropy contains a lone surrogate")
    n = len(entries)
    k: int = data["winners_count"]
    if not 1 <= k <= n:
        problems.append(f"winners_count ({k}) must be between 1 and the number of entries ({n})")
    if entry_problems:
        return VerifyResult(False, problems)

    recomputed_hash = list_hash(entries)
    if recomputed_hash != data["list_hash"]:
        problems.append(
            f"the entries do not match the list hash: recomputed {recomputed_hash}, recorded {data['list_hash']}"
        )
    if not _SEED_RE.fullmatch(seed):
        return VerifyResult(False, problems)

    expected = shuffled_refs(entries, seed, draw_id, public_entropy)
    order: list[str] = data["order"]
    winners: list[str] = data["winners"]
    if order != expected:
        problems.append("the order differs from the recomputed order: " + _first_difference(order, expected))
    if 1 <= k <= n and winners != expected[:k]:
        problems.append(
            f"the winners differ from the first {k} of the recomputed order: "
            f"recorded {winners}, recomputed {expected[:k]}"
        )
    return VerifyResult(not problems, problems)


def load_record(data: Mapping[str, Any]) -> DrawRecord:
    """A verified DrawRecord from an exported dict; raises DrawError listing the problems otherwise."""
    result = verify(data)
    if not result.ok:
        raise DrawError("; ".join(result.problems))
    announcement = DrawAnnouncement(
        draw_id=data["draw_id"],
        fund=data["fund"],
        winners_count=data["winners_count"],
        list_hash=data["list_hash"],
        commitment=data["commitment"],
        entries=tuple(sorted((Eligible(r["ref"], r["name"]) for r in data["entries"]), key=lambda e: e.ref)),
        scheduled_at=data.get("scheduled_at", ""),
    )
    return DrawRecord(
        announcement=announcement,
        seed=data["seed"],
        public_entropy=data["public_entropy"],
        order=list(data["order"]),
        winners=list(data["winners"]),
    )
