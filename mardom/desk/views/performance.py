"""The institutions' performance page: read from the stored figures, within the viewer's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mardom.core.paging import paginate
from mardom.core.replica import reads_from_replica

from ..models import RequestKind
from ..models.figures import BUCKET_EDGES
from ..selectors import figures as selectors

BRANCHES_PER_PAGE = 30


@login_required
@reads_from_replica
def performance(request: HttpRequest) -> HttpResponse:
    query = selectors.performance_query(user=request.user, year=request.GET.get("year", ""),
                                        kind=request.GET.get("kind", ""), county=request.GET.get("county", ""))
    page = selectors.performance(query)
    branches = paginate(request, selectors.branches(query), per_page=BRANCHES_PER_PAGE)
    rows = selectors.with_overdue(query, selectors.branch_rows(query, branches.object_list))
    return render(request, "desk/performance.html", {
        "q": query, "page": page, "branches": branches, "branch_rows": rows,
        "years": selectors.year_choices(), "kinds": RequestKind.choices,
        "counties": selectors.counties_for(user=request.user),
        "longest": selectors.working_time_text(BUCKET_EDGES[-1], open_ended=True),
    })
