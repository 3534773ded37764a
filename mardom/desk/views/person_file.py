"""The person's file (پرونده): her own at /desk/file/me/, anyone else's by national ID at /desk/file/."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import NationalIdField
from mardom.people.lookup import find_person
from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import holds_anywhere

from ..selectors import person_file as selectors
from ..services.person_file import person_file_view

# find_person needs a purpose for the consent it offers elsewhere; the file offers none (an officer outside
# the person's area does not open her file, whatever she agrees to), so no consent is ever asked for this.
PURPOSE = "desk.person_file"


NOT_IN_AREA = _("No one with this national ID is filed within your area.")


class FileLookupForm(forms.Form):
    national_id = NationalIdField(label=_("National ID"), max_length=20)


def _render(request: HttpRequest, person: Person, access: selectors.FileAccess, only: str = "") -> HttpResponse:
    """The file (or, with `only`, one section of it at full length); an officer's opening is recorded."""
    limit = selectors.SECTION_LIMIT if only else selectors.FILE_LIMIT
    file = selectors.person_file(viewer=request.user, person=person, access=access, only=only, limit=limit)
    if not access.own:
        person_file_view(by=request.user, person=person)
    return render(request, "desk/person_file_section.html" if only else "desk/person_file.html", {
        "file": file, "person": person, "access": access, "file_url": selectors.file_url(person, access)})


@login_required
def file_me(request: HttpRequest, key: str = "") -> HttpResponse:
    """The signed-in person's own file (a system account without a person has none)."""
    if not request.user.person_id:
        return render(request, "desk/person_file_none.html")
    person, access = selectors.person_file_get(viewer=request.user, pk=request.user.person_id)
    return _render(request, person, access, only=key)


@login_required
def file_detail(request: HttpRequest, pk: int, key: str = "") -> HttpResponse:
    person, access = selectors.person_file_get(viewer=request.user, pk=pk)
    if access.own:
        return redirect("desk:file-me-section", key=key) if key else redirect("desk:file-me")
    return _render(request, person, access, only=key)


@login_required
def file_lookup(request: HttpRequest) -> HttpResponse:
    """An officer types a national ID and opens that person's file, if she is filed within the officer's area;
    outside it the answer is the same whether anyone holds the ID or not."""
    if not holds_anywhere(request.user, Perm.PEOPLE_VIEW):
        raise PermissionDenied
    form = FileLookupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        found = find_person(request, form, perm=Perm.PEOPLE_VIEW, purpose=PURPOSE)
        access = selectors.file_access(viewer=request.user, person=found.person) \
            if found is not None and found.consent is None else None
        if found is not None and access is not None:
            return redirect(selectors.file_url(found.person, access))
        # Nobody holds the ID, she is filed elsewhere, or only within the ID's wider reach (her county) but not
        # in the officer's own area: one answer for all, and no consent offered.
        form.errors.pop("national_id", None)
        form.add_error("national_id", NOT_IN_AREA)
    return render(request, "desk/person_file_lookup.html", {"form": form}, status=400 if form.errors else 200)
