"""Glue between services and forms: a DomainError becomes a message beside its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from .errors import DomainError

T = TypeVar("T")


def run_service(form: forms.Form, service: Callable[..., T], fields: dict[str, str] | None = None, /,
                **kwargs: Any) -> T | None:
    """Call `service`; on a DomainError attach its message to the form (beside the field when the form has
    it) and return None, so the view re-renders the form and nothing has changed. `fields` maps a service's
    field name onto the form's where they differ (the service says "producer", the form asks for the
    producer's national ID)."""
    try:
        return service(**kwargs)
    except DomainError as error:
        field = (fields or {}).get(error.field or "", error.field)
        field = field if field in form.fields else None
        form.add_error(field, str(error.message))
        return None
