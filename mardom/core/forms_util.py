"""Glue between services and forms: a DomainError becomes a message beside its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms

from .errors import DomainError

T = TypeVar("T")


def run_service(form: forms.Form, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call `service`; on a DomainError attach its message to the form (beside the field when the form has
    it) and return None, so the view re-renders the form and nothing has changed."""
    try:
        return service(**kwargs)
    except DomainError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return None
