"""The member statement as a background document (mardom.core.documents): params {"membership": pk}."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors


def _membership(user: Any, params: dict[str, Any]) -> Any:
    try:
        pk = int(params["membership"])
    except (KeyError, TypeError, ValueError):
        raise Http404 from None
    return selectors.membership_get(user=user, pk=pk)


def check(*, by: Any, params: dict[str, Any]) -> str:
    membership = _membership(by, params)
    return _("Statement of %(member)s") % {"member": membership.person}


def build(*, owner: Any, params: dict[str, Any], progress: Any) -> tuple[bytes, str]:
    from .views.statements import member_statement_filename, member_statement_pdf_bytes

    membership = _membership(owner, params)
    on = timezone.localdate()
    content = member_statement_pdf_bytes(membership=membership, on=on, progress=progress)
    return content, member_statement_filename(membership=membership, on=on)
