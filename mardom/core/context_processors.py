"""The navigation a user sees: only the sections their roles open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission(s) needed in some scope, any one of them, or None for everyone signed in)
SECTIONS: list[tuple[str, Any, str | tuple[str, ...] | None]] = [
    ("home", _("Home"), None),
    ("desk:file-me", _("My file"), None),  # the whole file; it links to the identity page ("me")
    ("people:list", _("People"), "people.view"),
    ("desk:file-lookup", _("Open a file"), "people.view"),
    ("funds:list", _("Loan funds"), None),
    ("production:producers", _("Producers"), None),
    ("production:advantaged", _("Advantaged products"), "producers.view"),
    ("production:suggestions", _("Colonies"), "producers.manage"),
    ("production:job-leaders", _("Job leaders"), ("producers.view", "jobs.record")),
    ("brands:list", _("Brands"), ("brands.manage", "brands.inspect", "producers.view")),
    ("market:exhibitions", _("Exhibitions"), None),
    ("training:list", _("Courses"), None),
    ("dashboards:doubling", _("Doubling sales"), ("producers.view",)),
    ("shop:catalogue", _("Shop"), None),
    ("orgs:base-list", _("Bases"), "orgs.view"),
    ("orgs:group-list", _("Volunteer groups"), "orgs.view"),
    ("orgs:institution-list", _("Institutions"), "orgs.view"),
    ("desk:calendar", _("Working calendar"), "calendar.manage"),
    ("desk:requests", _("Requests to institutions"), "desk.request"),
    ("desk:inbox", _("Requests to answer"), "desk.answer"),
    ("desk:mine", _("My requests"), None),
    ("desk:performance", _("Institution performance"), ("desk.request", "desk.answer")),
    ("audit", _("Audit log"), "audit.view"),
    # Members with no role reach their fund's dashboard from the home page (dashboards.selectors.levels).
    ("dashboards:home", _("Dashboards"), ("funds.view", "producers.view", "desk.request", "desk.answer")),
]


# Pages about one county at a time: shown only to those who manage producers of a whole county (a base
# officer holds producers.manage on her base only, and the page would refuse her).
NEEDS_A_COUNTY = {"production:suggestions"}


def _manages_a_county(user: Any) -> bool:
    from mardom.production.selectors import manages_a_county  # imported here, as below

    return manages_a_county(user=user)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    from mardom.people.scopes import holds_anywhere  # imported here: core must not need people at import time

    items = []
    for url_name, label, perm in SECTIONS:
        perms = (perm,) if isinstance(perm, str) else perm
        if perms is None or any(holds_anywhere(user, p) for p in perms):
            if url_name in NEEDS_A_COUNTY and not _manages_a_county(user):
                continue
            url = reverse(url_name)
            current = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"url": url, "label": label, "current": current})
    # One section is current: the longest address the page is under (/dashboards/doubling/ is not also the
    # dashboards' own /dashboards/).
    longest = max((len(item["url"]) for item in items if item["current"]), default=0)
    for item in items:
        item["current"] = item["current"] and len(item["url"]) == longest
    return {"nav": items}
