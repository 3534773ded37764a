"""Errors a user can cause. Services raise them; views show the message beside the field."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule was broken. `message` is already translated (or lazy); `field` names the form field the
    message belongs beside, or None for the whole form."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
