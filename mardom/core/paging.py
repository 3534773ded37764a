"""One way to page a list: 50 rows, the page number parsed leniently, the filters kept in the pager's links.

`paginate` returns Django's `Page` with `page.query`: the request's query string without `page`, which
core/templates/core/_pager.html puts in front of the page number, so page 2 keeps the search and filters.
A page number that is not a number or past the end shows the nearest page (never a 500).
`keyset_paginate` pages a list that only grows (the audit log) by the last row seen instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

PER_PAGE = 50


def kept_query(request: HttpRequest, *, drop: Sequence[str] = ("page",)) -> str:
    """The request's GET parameters, urlencoded, without `drop` and without empty values."""
    kept = request.GET.copy()
    for key in [*drop, *(k for k, values in kept.lists() if not any(v.strip() for v in values))]:
        kept.pop(key, None)
    return kept.urlencode()


def paginate(request: HttpRequest, items: Any, *, per_page: int = PER_PAGE) -> Page:
    """The requested page of `items` (a queryset: one COUNT and one LIMIT/OFFSET query), `page.query` set."""
    number = str(request.GET.get("page", ""))[:12]
    page = Paginator(items, per_page).get_page(number)
    page.query = kept_query(request)  # type: ignore[attr-defined]
    return page


@dataclass
class KeysetPage:
    """A page of a list that only grows (the audit log): the rows older than the `before` row, so the
    hundredth page costs what the first does (no COUNT, no OFFSET). The pager offers the newest page and
    the next older one."""

    object_list: list[Any]
    query: str
    next_before: int | None
    is_first: bool
    keyset: bool = True
    first_label: str = ""  # the pager's words when the list is not newest first (an inbox by deadline)
    next_label: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.next_before is not None or not self.is_first


def keyset_paginate(request: HttpRequest, items: QuerySet[Any], *, field: str, per_page: int = PER_PAGE,
                    ascending: bool = False, first_label: str = "", next_label: str = "") -> KeysetPage:
    """`items` ordered newest first by (`field`, pk), both descending (or both ascending with `ascending`, for
    a list by nearest deadline); `?before=<pk>` starts after that row in the list's order (looked up within
    `items`, so a row outside the user's scope or filters just gives the first page). `field` is never null
    in `items`."""
    raw = str(request.GET.get("before", ""))[:20]
    anchor = items.filter(pk=int(raw)).values_list(field, "pk").first() if raw.isascii() and raw.isdigit() \
        and int(raw) < 2**62 else None
    if anchor is not None and anchor[0] is None:  # (cannot happen when `field` is never null; never a 500)
        anchor = None
    if anchor is not None:
        beyond = "gt" if ascending else "lt"
        items = items.filter(Q(**{f"{field}__{beyond}": anchor[0]})
                             | Q(**{field: anchor[0], f"pk__{beyond}": anchor[1]}))
    rows = list(items[:per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(object_list=rows, query=kept_query(request, drop=("page", "before")),
                      next_before=rows[-1].pk if more else None, is_first=anchor is None,
                      first_label=first_label, next_label=next_label)
