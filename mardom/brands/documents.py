"""The label sheet as a background document (mardom.core.documents): params {"lot": pk, "start": n}."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits

from . import selectors


def _lot_and_labels(user: Any, params: dict[str, Any]) -> tuple[Any, list[Any]]:
    from .views import LABELS_PER_PDF, _may_print

    try:
        pk, start = int(params["lot"]), max(1, int(params.get("start", 1)))
    except (KeyError, TypeError, ValueError):
        raise Http404 from None
    lot = selectors.lot_get(user=user, pk=pk)
    _may_print(user, lot)
    labels = selectors.labels_page(lot=lot, start=start, size=LABELS_PER_PDF)
    if not labels:
        raise Http404
    return lot, labels


def check(*, by: Any, params: dict[str, Any]) -> str:
    lot, labels = _lot_and_labels(by, params)
    return localize_digits(_("Labels %(first)s–%(last)s of lot %(lot)s") % {
        "first": labels[0].number, "last": labels[-1].number, "lot": lot.code})


def build(*, owner: Any, params: dict[str, Any], progress: Any) -> tuple[bytes, str]:
    from .views import labels_sheet_filename, labels_sheet_pdf

    lot, labels = _lot_and_labels(owner, params)
    content = labels_sheet_pdf(lot=lot, brand=lot.brand, product=lot.authorisation.product, labels=labels,
                               progress=progress)
    return content, labels_sheet_filename(lot=lot, labels=labels)
