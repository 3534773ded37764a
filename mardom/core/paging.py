"""One way to page a list: 50 rows, the page number parsed leniently, the filters kept in the pager's links.

`paginate` returns Django's `Page` with `page.query`: the request's query string without `page`, which
core/templates/core/_pager.html puts in front of the page number, so page 2 keeps the search and filters.
A page number that is not a number or past the end shows the nearest page (never a 500).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
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
