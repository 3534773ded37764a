"""Certificates: issued on completion (enrolments.enrolment_completed), revoked by the publisher, and checked
in public by their code."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.brands import serials
from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.text import normalize_text
from mardom.people.roles import Perm
from mardom.people.scopes import require

from ..models import Attendance, Certificate, Enrolment


def public_url(code: str) -> str:
    """What the certificate's QR code and the SMS hold: the public check page of the code."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("certificate", args=[code])


def certificate_issue(*, by: Any, enrolment: Enrolment, now: datetime.datetime) -> Certificate:
    """Inside the completing transaction: one certificate per completed enrolment, with a fresh code."""
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise DomainError(_("A certificate is issued only for a completed course."))
    course = enrolment.course
    attended = Attendance.objects.filter(enrolment=enrolment, present=True).count()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    enrolment=enrolment, code=serials.new_serial(), holder_name=enrolment.person.full_name,
                    course_title=course.title, issuer_name=course.unit.name, sessions_attended=attended,
                    issued_at=now)
            break
        except IntegrityError:  # 32^9 codes: a collision is rare, and another try finds a free one
            if Certificate.objects.filter(enrolment=enrolment).exists():
                raise
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("no free certificate code")
    audit_record(by=by, action="certificate.issue", obj=certificate, scope_path=course.unit.path or "",
                 after={"person": enrolment.person_id, "count": attended}, now=now)
    return certificate


@transaction.atomic
def certificate_revoke(*, by: Any, certificate: Certificate, reason: str,
                       now: datetime.datetime | None = None) -> Certificate:
    certificate = Certificate.objects.select_for_update(of=("self",)).select_related(
        "enrolment__course__unit").get(pk=certificate.pk)
    require(by, Perm.TRAINING_MANAGE, certificate.enrolment.course.unit)
    reason = normalize_text(reason)
    if not reason:
        raise DomainError(_("Say why the certificate is revoked; its public page shows it."), field="reason")
    if certificate.revoked_at is not None:
        raise DomainError(_("This certificate is already revoked."))
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = now or timezone.now(), by, reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(by=by, action="certificate.revoke", obj=certificate,
                 scope_path=certificate.enrolment.course.unit.path or "", after={"reason": reason}, now=now)
    return certificate


@dataclass(frozen=True)
class Check:
    status: str  # "valid", "revoked", "unknown" (well formed, never issued), "mistyped"
    code: str
    certificate: Certificate | None = None


def certificate_check(*, code: str) -> Check:
    """Look a typed or scanned code up (no login; nothing is written)."""
    code = serials.normalise(code)[:32]
    if not serials.is_well_formed(code):
        return Check("mistyped", code)
    certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return Check("unknown", code)
    return Check("revoked" if certificate.revoked_at else "valid", code, certificate)
