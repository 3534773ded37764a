"""The place picker's search endpoint: an HTML fragment of options for htmx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .forms import PlaceSearchForm
from .selectors import MIN_QUERY_LENGTH, place_search


@require_GET
@login_required
def place_search_view(request: HttpRequest) -> HttpResponse:
    form = PlaceSearchForm(request.GET)
    # The form never fails on content (odd kinds are dropped); an over-long query just finds nothing.
    data = form.cleaned_data if form.is_valid() else {"q": "", "kinds": None, "field": ""}
    query = data["q"]
    places = place_search(query=query, kinds=data["kinds"])
    context = {
        "places": places,
        "query": query,
        "field": data["field"],
        "too_short": len(query.strip()) < MIN_QUERY_LENGTH,
    }
    return render(request, "geo/_place_options.html", context)
