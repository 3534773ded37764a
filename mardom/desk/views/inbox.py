"""The institution officer's inbox: what was sent to her own institution, the nearest deadline first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mardom.core.paging import paginate

from ..selectors import requests as selectors


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.answers_requests(user=user):
        raise PermissionDenied
    view = request.GET.get("view", "todo")
    view = view if view in selectors.INBOX_VIEWS else "todo"
    now = timezone.now()
    page = paginate(request, selectors.inbox(user=user, view=view))
    page.object_list = selectors.with_lights(page.object_list, now=now)
    return render(request, "desk/inbox.html", {"page": page, "view": view})
