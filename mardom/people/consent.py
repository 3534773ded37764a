"""A person's consent, by a one-time SMS code, to be used by an actor whose scope she is not filed in.

A national-ID field finds only people within the actor's reach (`selectors.person_find_in_scope`). For anyone
else the actor asks for a code (`consent_request`): six digits, kept only as an HMAC, valid ten minutes, five
tries, a few per actor an hour, sent to the registered mobile of whoever holds the ID. The person, at the
desk, types it (`consent_grant`), which gives the actor one `Consent` to use her for that one purpose
(`consent_use`, in the same transaction as the action). Asking and refusing look the same whether or not
anyone holds the ID: a challenge row is written either way and only the message is skipped.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.digits import localize_digits, to_latin_digits
from mardom.core.errors import DomainError
from mardom.core.sms import SmsError, send_sms_on_commit

from .models import Consent, ConsentChallenge, ConsentPurpose, Person, User

CODE_DIGITS = 6
CODE_TTL = datetime.timedelta(minutes=10)
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 5  # per actor, whatever IDs they type
CONSENT_TTL = datetime.timedelta(minutes=30)  # a granted consent not used by then lapses


def _hash(salt: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _refused() -> DomainError:
    return DomainError(_("This code is not right or has expired. Ask for a new code."), field="consent_code")


@transaction.atomic
def consent_request(*, by: Any, national_id: str, purpose: str, now: datetime.datetime | None = None) -> None:
    """Send a one-time code to the registered mobile of the holder of `national_id`, if there is one.

    Returns nothing and behaves the same when nobody holds the ID; a newer code replaces an older one for
    the same actor, ID and purpose. Raises DomainError when the actor asked for too many codes this hour.
    """
    now = now or timezone.now()
    if purpose not in ConsentPurpose.values:
        raise DomainError(_("Unknown purpose."))
    User.objects.select_for_update().filter(pk=by.pk).first()  # an actor's requests one at a time: exact limit
    if ConsentChallenge.objects.filter(actor=by, created_at__gt=now - datetime.timedelta(hours=1)).count() \
            >= MAX_CODES_PER_HOUR:
        raise DomainError(_("Too many codes were asked for in the last hour. Try again later."), field="national_id")
    ConsentChallenge.objects.filter(actor=by, national_id=national_id, purpose=purpose,
                                    closed_at__isnull=True).update(closed_at=now)
    person = Person.objects.filter(national_id=national_id).first()
    code = "".join(str(secrets.randbelow(10)) for _digit in range(CODE_DIGITS))
    salt = secrets.token_hex(8)
    challenge = ConsentChallenge.objects.create(
        actor=by, national_id=national_id, person=person, purpose=purpose, salt=salt, code_hash=_hash(salt, code),
        created_at=now, expires_at=now + CODE_TTL)
    audit_record(by=by, action="consent.request", obj=challenge, now=now,
                 scope_path=person.unit.path or "" if person is not None else "",
                 after={"purpose": purpose, "person": person.pk if person is not None else None})
    if person is not None:
        actor = by.person.full_name if getattr(by, "person_id", None) else str(by)
        text = _("Your consent code: %(code)s. %(actor)s asks to use your record for %(purpose)s. Give this code "
                 "only if you are there and agree.") % {
            "code": localize_digits(code), "actor": actor, "purpose": ConsentPurpose(purpose).label}
        with contextlib.suppress(SmsError):  # a stored number that cannot take one: the actor's answer is the same
            send_sms_on_commit(to=person.mobile, text=text, urgent=True)  # she is waiting for it, at any hour


def consent_grant(*, by: Any, national_id: str, purpose: str, code: str,
                  now: datetime.datetime | None = None) -> Consent:
    """The consent the code typed at the desk grants, or DomainError (beside the code) when it is wrong,
    expired, used up, or was never sent to anyone. A wrong try is counted even though it is refused, so the
    count is written in its own transaction before the refusal is raised."""
    consent = _check_code(by=by, national_id=national_id, purpose=purpose, code=code, now=now or timezone.now())
    if consent is None:
        raise _refused()
    return consent


@transaction.atomic
def _check_code(*, by: Any, national_id: str, purpose: str, code: str, now: datetime.datetime) -> Consent | None:
    challenge = (ConsentChallenge.objects.select_for_update()
                 .filter(actor=by, national_id=national_id, purpose=purpose, closed_at__isnull=True)
                 .order_by("-created_at", "-pk").first())
    if challenge is None:
        return None
    typed = to_latin_digits(code or "").strip()
    right = hmac.compare_digest(challenge.code_hash, _hash(challenge.salt, typed))
    if challenge.expires_at <= now or challenge.tries >= MAX_TRIES:
        challenge.closed_at = now
        challenge.save(update_fields=["closed_at"])
        return None
    if not right or challenge.person_id is None:
        challenge.tries += 1
        if challenge.tries >= MAX_TRIES:
            challenge.closed_at = now
        challenge.save(update_fields=["tries", "closed_at"])
        return None
    challenge.closed_at = now
    challenge.save(update_fields=["closed_at"])
    consent = Consent.objects.create(actor=by, person_id=challenge.person_id, purpose=purpose, granted_at=now)
    person = Person.objects.select_related("unit").get(pk=challenge.person_id)
    audit_record(by=by, action="consent.grant", obj=consent, scope_path=person.unit.path or "", now=now,
                 after={"person": person.pk, "purpose": purpose})
    return consent


def consent_open(*, by: Any, national_id: str, purpose: str, now: datetime.datetime | None = None) -> Consent | None:
    """The actor's unused, unexpired consent from the holder of `national_id` for `purpose`, if any."""
    now = now or timezone.now()
    if not national_id or not getattr(by, "pk", None):
        return None
    return (Consent.objects.filter(actor=by, person__national_id=national_id, purpose=purpose, used_at__isnull=True,
                                   granted_at__gt=now - CONSENT_TTL)
            .select_related("person", "person__unit").order_by("-granted_at", "-pk").first())


@transaction.atomic
def consent_use(*, by: Any, consent: Consent, now: datetime.datetime | None = None) -> Consent:
    """Spend the consent; call it in the transaction of the action it allows, so both stand or neither."""
    now = now or timezone.now()
    consent = Consent.objects.select_for_update().select_related("person__unit").get(pk=consent.pk)
    if consent.actor_id != by.pk or consent.used_at is not None or consent.granted_at <= now - CONSENT_TTL:
        raise DomainError(_("This consent was already used or has lapsed. Ask for a new code."))
    consent.used_at = now
    consent.save(update_fields=["used_at"])
    audit_record(by=by, action="consent.use", obj=consent, scope_path=consent.person.unit.path or "", now=now,
                 after={"person": consent.person_id, "purpose": consent.purpose})
    return consent
