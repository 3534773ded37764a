from __future__ import annotations

from typing import Any

from django import template

from mardom.ledger.describe import describe_entry

register = template.Library()


@register.filter
def entry_text(entry: Any) -> str:
    """{{ entry|entry_text }}: the journal entry's sentence in the reader's language."""
    return describe_entry(entry) if entry is not None else ""
