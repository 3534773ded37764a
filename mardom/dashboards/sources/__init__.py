"""Where each domain's figures come from: what its writes add, and what its facts say (for the rebuild)."""

from __future__ import annotations

import datetime
from typing import Any


def first_and_last(*pairs: tuple[Any, str]) -> list[datetime.datetime]:
    """The earliest and the latest value of each (queryset, time field): the months a rebuild must cover."""
    found = []
    for queryset, field in pairs:
        for order in (field, f"-{field}"):
            moment = queryset.order_by(order).values_list(field, flat=True).first()
            if moment is not None:
                found.append(moment)
    return found
