"""What a journal entry says, in the reader's language: one sentence per kind of entry, filled from the
parameters stored with it (member and loan numbers, the Jalali month), with the page's digits.

The stored memo stays as it was written because the hash chain covers it; it is shown only for an entry
whose kind has no sentence here or whose parameters are missing (an old entry the data migration could not
read)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits
from mardom.core.jalali import month_name


def _n(value: Any) -> str:
    return localize_digits(str(value))


def _month(params: dict[str, Any]) -> str:
    return f"{month_name(int(params['month']))} {_n(params['year'])}"


_SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "opening": lambda p: _("Member %(member)s joined: opening deposit") % {"member": _n(p["member"])},
    "opening_balance": lambda p: _("Savings of member %(member)s brought over from the fund's earlier books")
    % {"member": _n(p["member"])},
    "opening_capital": lambda p: _("The fund's capital brought over from its earlier books"),
    "contribution": lambda p: _("Contribution of member %(member)s for %(month)s")
    % {"member": _n(p["member"]), "month": _month(p)},
    "withdrawal": lambda p: _("Withdrawal by member %(member)s") % {"member": _n(p["member"])},
    "settlement": lambda p: _("Savings returned to member %(member)s on leaving") % {"member": _n(p["member"])},
    "transfer": lambda p: _("Savings of member %(member)s moved to member %(to_member)s")
    % {"member": _n(p["member"]), "to_member": _n(p["to_member"])},
    "disbursement": lambda p: _("Loan %(loan)s paid out to member %(member)s")
    % {"loan": _n(p["loan"]), "member": _n(p["member"])},
    "repayment": lambda p: _("Repayment of loan %(loan)s") % {"loan": _n(p["loan"])},
    "write_off": lambda p: _("Loan %(loan)s written off: %(note)s") % {"loan": _n(p["loan"]), "note": p["note"]},
    "forgiveness": lambda p: _("Loan %(loan)s forgiven: %(note)s") % {"loan": _n(p["loan"]), "note": p["note"]},
    "late_charge": lambda p: _("Late charge on installment %(installment)s of loan %(loan)s")
    % {"installment": _n(p["installment"]), "loan": _n(p["loan"])},
}


def _cached(entry: Any, field: str) -> bool:
    state = getattr(entry, "_state", None)
    return state is not None and field in state.fields_cache


def describe_entry(entry: Any) -> str:
    """The entry's sentence, e.g. «حق عضویت عضو ۳۱ برای آبان ۱۴۰۵»; the stored memo when it has none."""
    kind, params = entry.kind or "", entry.params or {}
    if kind.startswith("reversal:") and "seq" in params:
        # When the reader loaded the original with it (select_related("reverses")), say what was reversed.
        original = entry.reverses if getattr(entry, "reverses_id", None) and _cached(entry, "reverses") else None
        if original is not None:
            return _("Reversed: %(what)s") % {"what": describe_entry(original)}
        return _("Reversal of entry %(seq)s") % {"seq": _n(params["seq"])}
    sentence = _SENTENCES.get(kind)
    if sentence is not None:
        try:
            return sentence(params)
        except (KeyError, TypeError, ValueError):
            pass
    return entry.memo


# How the memos were written before the parameters were stored (read by the data migration).
OLD_MEMOS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("opening", re.compile(r"^member (\d+) joined$"), ("member",)),
    ("contribution", re.compile(r"^member (\d+) (\d{4})/(\d{1,2})$"), ("member", "year", "month")),
    ("withdrawal", re.compile(r"^member (\d+) withdrawal$"), ("member",)),
    ("settlement", re.compile(r"^member (\d+) left$"), ("member",)),
    ("transfer", re.compile(r"^member (\d+) -> member (\d+)$"), ("member", "to_member")),
    ("disbursement", re.compile(r"^loan (\d+) to member (\d+)$"), ("loan", "member")),
    ("repayment", re.compile(r"^loan (\d+) repayment$"), ("loan",)),
    ("late_charge", re.compile(r"^loan (\d+) installment (\d+) late charge$"), ("loan", "installment")),
    ("write_off", re.compile(r"^loan (\d+): (.*)$", re.S), ("loan", "note")),
    ("forgiveness", re.compile(r"^loan (\d+): (.*)$", re.S), ("loan", "note")),
]
_OLD_REVERSAL = re.compile(r"^reversal of #(\d+)$")


def params_from_old_memo(kind: str, memo: str) -> dict[str, Any]:
    """The parameters an old entry's memo carries, or {} when it does not read as its kind's memo."""
    if kind.startswith("reversal:"):
        match = _OLD_REVERSAL.match(memo)
        return {"seq": int(match.group(1))} if match else {}
    for old_kind, pattern, names in OLD_MEMOS:
        if old_kind != kind:
            continue
        match = pattern.match(memo)
        if match:
            return {name: (value if name == "note" else int(value)) for name, value in zip(names, match.groups(),
                                                                                          strict=True)}
    return {}
