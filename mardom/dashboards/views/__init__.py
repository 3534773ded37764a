"""The doubling dashboard: each level sees its own figures and drills down to its parts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mardom.core.replica import reads_from_replica
from mardom.production import selectors as production_selectors
from mardom.production.models import Producer

from .. import doubling, selectors


def _bar(figures: doubling.Figures) -> dict[str, Any]:
    """Widths (percent of the row) for the chart: baseline, last year, this year, and the target's mark."""
    top = max(figures.target, figures.this_year, figures.last_year, 1)
    return {key: value * 100 // top for key, value in (
        ("baseline", figures.baseline), ("last", figures.last_year), ("this", figures.this_year),
        ("target", figures.target))}


def _year_context(request: HttpRequest) -> dict[str, Any]:
    year = selectors.year_from(request.GET.get("year", ""))
    return {"year": year, "previous_year": year - 1, "years": doubling.year_choices(),
            "is_current": year == doubling.current_year()}


@login_required
@reads_from_replica
def doubling_page(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("unit", "")
    if wanted:
        if not wanted.isascii() or not wanted.isdigit() or len(wanted) > 12:
            raise Http404
        unit = selectors.unit_get(user=request.user, pk=int(wanted))
    else:
        unit = selectors.default_unit(user=request.user)
        if unit is None:
            own = Producer.objects.filter(person_id=getattr(request.user, "person_id", None) or 0,
                                          status=Producer.Status.APPROVED).first()
            if own is None:
                raise Http404
            return redirect("dashboards:doubling-producer", pk=own.pk)
    years = _year_context(request)
    total, rows = selectors.level(unit=unit, year=years["year"])
    return render(request, "dashboards/doubling.html", {
        "unit": unit, "total": total, "bar": _bar(total), **years,
        "rows": [{"obj": row.obj, "label": row.label, "f": row.figures, "bar": _bar(row.figures),
                  "is_producer": isinstance(row.obj, Producer)} for row in rows],
    })


@login_required
@reads_from_replica
def doubling_producer(request: HttpRequest, pk: int) -> HttpResponse:
    producer = production_selectors.producer_get(user=request.user, pk=pk)
    years = _year_context(request)
    figures = doubling.per_producer({producer.pk}, year=years["year"]).get(producer.pk, doubling.Figures())
    return render(request, "dashboards/doubling.html", {
        "producer": producer, "total": figures, "bar": _bar(figures), "rows": [], **years,
    })
