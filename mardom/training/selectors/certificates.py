"""Reads of certificates: the PDF for its holder and for the course's publishers."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

from ..models import Certificate


def certificate_get(*, user: Any, pk: int) -> Certificate:
    certificate = (Certificate.objects.filter(pk=pk)
                   .select_related("enrolment__course__unit", "enrolment__person").first())
    if certificate is None:
        raise Http404
    own = getattr(user, "person_id", None) == certificate.enrolment.person_id
    if not (own or has_perm_on(user, Perm.TRAINING_MANAGE, certificate.enrolment.course.unit)):
        raise Http404
    return certificate
