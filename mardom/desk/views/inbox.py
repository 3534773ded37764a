"""The institution officer's inbox: what was sent to her own institution, the nearest deadline first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.paging import keyset_paginate, paginate

from ..selectors import requests as selectors


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.answers_requests(user=user):
        raise PermissionDenied
    view = request.GET.get("view", "todo")
    view = view if view in selectors.INBOX_VIEWS else "todo"
    now = timezone.now()
    requests = selectors.inbox(user=user, view=view)
    if view == "todo":
        # By deadline, page after page from the last row shown: no COUNT of the queue, no OFFSET into it, so
        # the inbox costs the same with sixty requests waiting or five thousand (bench/desk.py).
        page = keyset_paginate(request, requests, field="due_at", ascending=True,
                               first_label=_("Nearest deadlines"), next_label=_("Later deadlines"))
    else:
        page = paginate(request, requests)
    page.object_list = selectors.with_lights(page.object_list, now=now)
    return render(request, "desk/inbox.html", {"page": page, "view": view})
