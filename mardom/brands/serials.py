"""Label serials: nine random characters of Crockford's base32 and a Luhn mod 32 check character.

Random, so a serial says nothing about its neighbours and cannot be guessed from one label (32^9 ≈ 3.5e13);
checked, so a mistyped serial (one wrong character, or two neighbours swapped) is told apart from a forged
one. Crockford's alphabet has no I, L, O or U; reading normalises those look-alikes, case and spaces."""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
BODY = 9
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_LOOKALIKE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V", "-": None, " ": None})


def check_char(body: str) -> str:
    """Luhn mod N: every other value, from the right, is doubled and its base-N digits summed."""
    total = 0
    for i, char in enumerate(reversed(body)):
        value = _VALUE[char]
        if i % 2 == 0:
            value *= 2
            value = value // N + value % N
        total += value
    return ALPHABET[(N - total % N) % N]


def new_serial() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return body + check_char(body)


def normalise(text: str) -> str:
    """What a person typed or a scanner read, in canonical form (not yet checked)."""
    from mardom.core.digits import to_latin_digits

    return to_latin_digits(text or "").strip().upper().translate(_LOOKALIKE)


def is_well_formed(serial: str) -> bool:
    return (len(serial) == BODY + 1 and all(c in _VALUE for c in serial)
            and check_char(serial[:-1]) == serial[-1])
