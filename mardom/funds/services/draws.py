"""Lotteries for the right to a loan: announce (freeze the list, commit to a secret seed), then perform
(reveal the seed; the winners follow). The computation is funds.draw, which anyone can re-run."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.digits import localize_digits
from mardom.core.errors import DomainError
from mardom.core.notify import SmsError, notify
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .. import draw as protocol
from .. import selectors
from ..models import Draw, Fund, Membership

logger = logging.getLogger(__name__)


def draw_record(draw: Draw) -> protocol.DrawRecord | protocol.DrawAnnouncement:
    announcement = protocol.DrawAnnouncement(
        draw_id=draw.public_id, fund=draw.fund.name, winners_count=draw.winners_count, list_hash=draw.list_hash,
        commitment=draw.commitment, entries=tuple(protocol.Eligible(**e) for e in draw.entries),
        scheduled_at=draw.scheduled_at.isoformat(),
    )
    if draw.status != Draw.Status.PERFORMED:
        return announcement
    return protocol.DrawRecord(announcement=announcement, seed=draw.seed, public_entropy=draw.public_entropy,
                               order=list(draw.order or []), winners=list(draw.winners or []))


@transaction.atomic
def draw_announce(*, by: Any, fund: Fund, winners_count: int, scheduled_at: datetime.datetime,
                  now: datetime.datetime | None = None) -> Draw:
    require(by, Perm.FUNDS_DECIDE, fund)
    now = now or timezone.now()
    if scheduled_at <= now:
        raise DomainError(_("Hold the draw in the future, so members can check the list first."),
                          field="scheduled_at")
    if Draw.objects.filter(fund=fund, status=Draw.Status.ANNOUNCED).exists():
        raise DomainError(_("Perform the draw already announced before announcing another."))
    cycle, entries = selectors.draw_entries(fund=fund, on=timezone.localdate(now))
    if not entries:
        raise DomainError(_("No member is eligible for a draw now."))
    if not 1 <= winners_count <= len(entries):
        raise DomainError(_("Choose between 1 and %(n)s winners.") % {"n": len(entries)}, field="winners_count")
    number = (Draw.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0) + 1
    seed = protocol.new_seed()
    draw = Draw(fund=fund, number=number, cycle=cycle, winners_count=winners_count, scheduled_at=scheduled_at,
                seed=seed, announced_by=by, announced_at=now)
    announcement = protocol.announce(draw_id=draw.public_id, fund=fund.name, winners_count=winners_count,
                                     entries=entries, seed=seed, scheduled_at=scheduled_at.isoformat())
    draw.entries = [{"ref": e.ref, "name": e.name} for e in announcement.entries]
    draw.list_hash, draw.commitment = announcement.list_hash, announcement.commitment
    draw.save()
    audit_record(by=by, action="draw.announce", obj=draw, scope_path=fund.path or "",
                 after={"number": number, "entries": len(entries), "list_hash": draw.list_hash,
                        "commitment": draw.commitment})
    return draw


@transaction.atomic
def draw_perform(*, by: Any, draw: Draw, public_entropy: str = "", now: datetime.datetime | None = None) -> Draw:
    draw = Draw.objects.select_for_update(of=("self",)).select_related("fund").get(pk=draw.pk)
    require(by, Perm.FUNDS_DECIDE, draw.fund)
    now = now or timezone.now()
    if draw.status == Draw.Status.PERFORMED:
        raise DomainError(_("This draw was already performed."))
    if now < draw.scheduled_at:
        raise DomainError(_("The draw is announced for a later time."))
    announcement = draw_record(draw)
    assert isinstance(announcement, protocol.DrawAnnouncement)
    try:
        record = protocol.perform(announcement, draw.seed, public_entropy.strip())
    except protocol.DrawError as error:
        raise DomainError(str(error), field="public_entropy") from error
    draw.public_entropy, draw.order, draw.winners = record.public_entropy, record.order, record.winners
    draw.status, draw.performed_by, draw.performed_at = Draw.Status.PERFORMED, by, now
    draw.save(update_fields=["public_entropy", "order", "winners", "status", "performed_by", "performed_at"])
    audit_record(by=by, action="draw.perform", obj=draw, scope_path=draw.fund.path or "",
                 after={"winners": record.winners, "seed": draw.seed, "public_entropy": draw.public_entropy})
    _tell_winners(draw)
    return draw


def _tell_winners(draw: Draw) -> None:
    """An SMS to each winner, sent once (the key) and only after the draw's transaction commits."""
    winners = Membership.objects.filter(fund=draw.fund, number__in=[int(ref) for ref in draw.winners or []])
    with translation.override("fa"):
        for membership in winners.select_related("person"):
            text = _("%(fund)s: you won draw %(number)s for a loan. Please see the fund's treasurer.") % {
                "fund": draw.fund.name, "number": localize_digits(str(draw.number))}
            try:
                notify(key=f"draw:{draw.pk}:member{membership.number}", to=membership.person.mobile, text=text)
            except SmsError:
                logger.warning("draw %s: winner %s has no usable mobile", draw.pk, membership.number)
