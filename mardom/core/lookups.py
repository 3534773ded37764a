"""Ids beyond a 64-bit integer match nothing, instead of crashing the query.

A select or a hidden id is whatever the browser sends: "9223372036854775808" (2^63) is a valid integer to
Python and no row's id, yet SQLite's driver raises OverflowError binding it (a 500). Django already answers
"no rows" for an out-of-range value on a plain integer field's `exact`; these lookups do the same where it
does not: `exact` through a relation (a foreign key, or the parent link that is the id of a Brand, Fund or
Exhibition) and `in` on integer fields and relations (an out-of-range value is dropped from the list, since
it can equal nothing). Registered by CoreConfig.ready(); the middleware OverflowIsBadRequestMiddleware is
the net for any other overflow.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

MIN_ID, MAX_ID = -(2**63), 2**63 - 1


def fits(value: Any) -> bool:
    """False only for an int no 64-bit integer column can hold."""
    return not isinstance(value, int) or isinstance(value, bool) or MIN_ID <= value <= MAX_ID


class _ExactInRange:
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value() and not fits(self.rhs):  # type: ignore[attr-defined]
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)  # type: ignore[misc]


class _InInRange:
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        rhs = self.rhs  # type: ignore[has-type]
        if self.rhs_is_direct_value() and isinstance(rhs, list | tuple | set | frozenset):  # type: ignore[attr-defined]
            kept = [value for value in rhs if fits(value)]
            if len(kept) != len(rhs):
                if not kept:
                    raise EmptyResultSet
                self.rhs = kept
        return super().process_rhs(compiler, connection)  # type: ignore[misc]


class RelatedExactInRange(_ExactInRange, RelatedExact):
    pass


class RelatedInInRange(_InInRange, RelatedIn):
    pass


class IntegerInInRange(_InInRange, In):
    pass


def register() -> None:
    ForeignObject.register_lookup(RelatedExactInRange)
    ForeignObject.register_lookup(RelatedInInRange)
    IntegerField.register_lookup(IntegerInInRange)
