"""The one way a page turns a typed national ID into a person: within the actor's reach, or by consent.

A view whose form has a national-ID field calls `find_person(request, form, perm=..., purpose=...)` after
the form is valid. It returns a `Found` (the person, and the consent that allowed it if any) or None, having
put the message beside the field. Outside the actor's reach the message is the same whether the ID is
registered elsewhere or not, and the form offers a "send code" button (`consent_send`) and then a code field
(`consent_code`); see `people.consent`. The page includes "people/_consent.html" inside its <form>, after its
own submit button (so Enter still submits the form, not a new code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service

from .consent import consent_grant, consent_open, consent_request, consent_use
from .models import Consent, Person
from .selectors import person_find_in_scope

T = TypeVar("T")

NOT_IN_SCOPE = _("This national ID is not within your area; if the person is present, she can consent with a "
                 "one-time code sent by SMS to her registered mobile.")


class ConsentCodeForm(forms.Form):
    consent_code = forms.CharField(
        label=_("Code the person received by SMS"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}))


@dataclass
class ConsentStep:
    """What the page shows under the national-ID field: the button, and once a code was asked, its field."""

    code_form: ConsentCodeForm
    sent: bool


@dataclass
class Found:
    person: Person
    consent: Consent | None = None

    def run(self, form: forms.Form, service: Callable[..., T], fields: dict[str, str] | None = None, /,
            **kwargs: Any) -> T | None:
        """`run_service`, spending the consent (if the person came by one) in the same transaction."""
        try:
            with transaction.atomic():
                result = run_service(form, service, fields, **kwargs)
                if result is not None and self.consent is not None:
                    consent_use(by=kwargs["by"], consent=self.consent)
        except DomainError as error:
            form.add_error(None, str(error.message))
            return None
        return result


def find_person(request: HttpRequest, form: forms.Form, *, perm: str | Iterable[str], purpose: str,
                unit: Any = None, field: str = "national_id") -> Found | None:
    """The person whose national ID `form` carries in `field`, if the user may use her for `purpose`:
    filed within the user's reach for `perm` (on `unit`), or consenting by the code typed now or before."""
    user, posted = request.user, request.POST
    national_id = form.cleaned_data.get(field) or ""
    if posted.get("consent_send"):
        try:
            consent_request(by=user, national_id=national_id, purpose=purpose)
        except DomainError as error:
            form.add_error(field, str(error.message))
            form.consent_step = ConsentStep(ConsentCodeForm(), sent=False)  # type: ignore[attr-defined]
        else:
            form.consent_step = ConsentStep(ConsentCodeForm(), sent=True)  # type: ignore[attr-defined]
        return None
    person = person_find_in_scope(user=user, national_id=national_id, perm=perm, unit=unit)
    if person is not None:
        return Found(person)
    consent = consent_open(by=user, national_id=national_id, purpose=purpose)
    if consent is not None:
        return Found(consent.person, consent)
    code_form = ConsentCodeForm(posted)
    if code_form.is_valid() and code_form.cleaned_data["consent_code"].strip():
        try:
            consent = consent_grant(by=user, national_id=national_id, purpose=purpose,
                                    code=code_form.cleaned_data["consent_code"])
        except DomainError as error:
            code_form = ConsentCodeForm({"consent_code": ""})  # the wrong code is not shown again
            code_form.is_valid()
            code_form.add_error("consent_code", str(error.message))
            form.consent_step = ConsentStep(code_form, sent=True)  # type: ignore[attr-defined]
            return None
        return Found(consent.person, consent)
    form.add_error(field, NOT_IN_SCOPE)
    form.consent_step = ConsentStep(ConsentCodeForm(), sent=False)  # type: ignore[attr-defined]
    return None
