"""Lotteries for the right to a loan, protocol mardom-draw-v2 (funds.draw_v2): announce (freeze the list,
name the public source of randomness, publish the digest to every member by SMS), then perform after the
notice period (enter the source's values; the winners follow) or cancel publicly. There is no secret: nobody
holding the database, not even the fund's manager, can choose or foresee the winners once the draw is
announced. Draws performed under mardom-draw-v1 (funds.draw) stay readable and verifiable as v1."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.digits import localize_digits
from mardom.core.errors import DomainError
from mardom.core.jalali import format_jalali_datetime
from mardom.core.notify import SmsError, notify
from mardom.core.text import normalize_text
from mardom.dashboards.sources import funds as fund_figures
from mardom.people.roles import Perm
from mardom.people.scopes import require

from .. import draw as protocol
from .. import draw_v2, selectors
from ..models import Draw, Fund, Membership

logger = logging.getLogger(__name__)

PUBLIC_VALUE = "public_value"
SEALED = "sealed"


@dataclass(frozen=True)
class SourceInput:
    """The randomness source fixed at the announcement: a published figure of a stated future date (its
    name, the day, the decimal places of its canonical form), or the sealed numbers of named members."""

    kind: str
    name: str = ""
    date: datetime.date | None = None
    places: int = 0
    holders: Sequence[int] = field(default_factory=tuple)  # membership numbers


def draw_record(draw: Draw) -> protocol.DrawRecord | protocol.DrawAnnouncement:
    """A v1 draw as protocol objects (v1 only: a v2 draw is read with draw_document)."""
    announcement = protocol.DrawAnnouncement(
        draw_id=draw.public_id, fund=draw.fund.name, winners_count=draw.winners_count, list_hash=draw.list_hash,
        commitment=draw.commitment, entries=tuple(protocol.Eligible(**e) for e in draw.entries),
        scheduled_at=draw.scheduled_at.isoformat(),
    )
    if draw.status != Draw.Status.PERFORMED:
        return announcement
    return protocol.DrawRecord(announcement=announcement, seed=draw.seed, public_entropy=draw.public_entropy,
                               order=list(draw.order or []), winners=list(draw.winners or []))


def draw_document(draw: Draw) -> dict[str, Any]:
    """A v2 draw's published document: the announcement, and once performed the whole record."""
    doc = dict(draw.announcement or {})
    if draw.status == Draw.Status.PERFORMED:
        doc.update(values=list(draw.values or []), seed=draw.seed, order=list(draw.order or []),
                   winners=list(draw.winners or []), performed_at=_iso(draw.performed_at))
    return doc


def _iso(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _source_doc(*, fund: Fund, source: SourceInput, announced: datetime.date,
                scheduled: datetime.date) -> dict[str, Any]:
    if source.kind == PUBLIC_VALUE:
        name = normalize_text(source.name or "").strip()
        if not name:
            raise DomainError(_("Name the published figure, for example the closing figure of a stated index."),
                              field="source_name")
        if len(name) > 200:
            raise DomainError(_("Keep the name of the figure under 200 characters."), field="source_name")
        if source.date is None or not announced < source.date <= scheduled:
            raise DomainError(_("The figure must be one published after today and no later than the day of the "
                                "draw, so that nobody can know it now."), field="source_date")
        if not 0 <= source.places <= draw_v2.MAX_PLACES:
            raise DomainError(_("Choose between 0 and 6 decimal places."), field="source_places")
        return {"kind": PUBLIC_VALUE, "name": name, "date": source.date.isoformat(), "places": source.places}
    if source.kind == SEALED:
        numbers = sorted(set(source.holders))
        if len(numbers) < draw_v2.MIN_HOLDERS:
            raise DomainError(_("Name at least three different members who will each seal a number."),
                              field="holders")
        members = {m.number: m for m in Membership.objects.filter(
            fund=fund, number__in=numbers, status=Membership.Status.ACTIVE).select_related("person")}
        unknown = [n for n in numbers if n not in members]
        if unknown:
            raise DomainError(_("These are not active members of the fund: %(numbers)s.")
                              % {"numbers": localize_digits(", ".join(str(n) for n in unknown))}, field="holders")
        holders = sorted(({"ref": str(n), "name": members[n].person.full_name} for n in numbers),
                         key=lambda h: h["ref"])
        return {"kind": SEALED, "holders": holders}
    raise DomainError(_("Choose where the draw's randomness comes from."), field="source_kind")


@transaction.atomic
def draw_announce(*, by: Any, fund: Fund, winners_count: int, scheduled_at: datetime.datetime,
                  source: SourceInput, now: datetime.datetime | None = None) -> Draw:
    """Freeze the list, name the source of randomness and publish the digest (mardom-draw-v2)."""
    require(by, Perm.FUNDS_DECIDE, fund)
    now = (now or timezone.now()).replace(microsecond=0)
    scheduled_at = scheduled_at.replace(microsecond=0)
    today = timezone.localdate(now)
    rules = selectors.rules_in_force(fund=fund, on=today)
    if scheduled_at < now + datetime.timedelta(days=rules.draw_notice_days):
        raise DomainError(_("The fund's rules give members %(days)s days of notice: hold the draw on or after "
                            "%(when)s.") % {"days": localize_digits(str(rules.draw_notice_days)),
                                            "when": format_jalali_datetime(
                                                now + datetime.timedelta(days=rules.draw_notice_days))},
                          field="scheduled_at")
    if Draw.objects.filter(fund=fund, status=Draw.Status.ANNOUNCED).exists():
        raise DomainError(_("Perform or cancel the draw already announced before announcing another."))
    cycle, entries, excluded = selectors.draw_candidates(fund=fund, on=today)
    if not entries:
        raise DomainError(_("No member is eligible for a draw now."))
    if not 1 <= winners_count <= len(entries):
        raise DomainError(_("Choose between 1 and %(n)s winners.") % {"n": len(entries)}, field="winners_count")
    source_doc = _source_doc(fund=fund, source=source, announced=today,
                             scheduled=timezone.localdate(scheduled_at))
    # Numbers are never reused: cancelled draws keep theirs, and draws are never deleted.
    number = (Draw.objects.filter(fund=fund).aggregate(n=Max("number"))["n"] or 0) + 1
    draw = Draw(fund=fund, number=number, protocol=Draw.Protocol.V2, cycle=cycle, winners_count=winners_count,
                scheduled_at=scheduled_at, announced_by=by, announced_at=now)
    try:
        doc = draw_v2.announce(
            draw_id=draw.public_id, fund_id=fund.pk, fund=fund.name, number=number, winners_count=winners_count,
            scheduled_at=_iso(scheduled_at), announced_at=_iso(now), notice_days=rules.draw_notice_days,
            entries=entries, excluded=excluded, source=source_doc,
        )
    except protocol.DrawError as error:  # the checks above come first; this is the protocol's own guard
        raise DomainError(str(error)) from error
    draw.announcement = {key: doc[key] for key in (*draw_v2.ANNOUNCEMENT_KEYS, "digest", "how_to_verify")}
    draw.entries, draw.list_hash, draw.digest = doc["entries"], doc["list_hash"], doc["digest"]
    draw.save()
    audit_record(by=by, action="draw.announce", obj=draw, scope_path=fund.path or "", now=now,
                 after={"number": number, "protocol": draw.protocol, "entries": len(entries),
                        "excluded": len(excluded), "list_hash": draw.list_hash, "digest": draw.digest,
                        "source": source_doc, "scheduled_at": doc["scheduled_at"]})
    _tell_members(draw, "announce")
    return draw


@transaction.atomic
def draw_perform(*, by: Any, draw: Draw, values: Sequence[str] = (), now: datetime.datetime | None = None) -> Draw:
    """Enter the announced source's values (the public figure, or each holder's sealed number in the order of
    the holders); the winners follow from the announcement and the values alone."""
    draw = Draw.objects.select_for_update(of=("self",)).select_related("fund").get(pk=draw.pk)
    require(by, Perm.FUNDS_DECIDE, draw.fund)
    now = (now or timezone.now()).replace(microsecond=0)
    if draw.status == Draw.Status.PERFORMED:
        raise DomainError(_("This draw was already performed."))
    if draw.status == Draw.Status.CANCELLED:
        raise DomainError(_("This draw was cancelled."))
    if not draw.is_v2:
        raise DomainError(_("This draw was announced under the old protocol, whose secret is kept on the server: "
                            "cancel it and announce it again."))
    if now < draw.scheduled_at:
        raise DomainError(_("The draw is announced for a later time."))
    assert draw.announcement is not None
    source = draw.announcement["source"]
    try:
        record = draw_v2.perform(draw.announcement, list(values), performed_at=_iso(now))
    except protocol.DrawError as error:
        if source["kind"] == PUBLIC_VALUE:
            raise DomainError(_("Enter the published figure exactly as the announcement states: digits only, "
                                "with %(places)s decimal places.") % {"places": localize_digits(
                                    str(source["places"]))}, field="value") from error
        problem = _first_bad_holder(source, values)
        raise DomainError(_("Enter each sealed number as written: a whole number of 1 to 18 digits."),
                          field=f"sealed_{problem}" if problem else None) from error
    draw.values, draw.seed, draw.order, draw.winners = record["values"], record["seed"], record["order"], \
        record["winners"]
    draw.status, draw.performed_by, draw.performed_at = Draw.Status.PERFORMED, by, now
    draw.save(update_fields=["values", "seed", "order", "winners", "status", "performed_by", "performed_at"])
    audit_record(by=by, action="draw.perform", obj=draw, scope_path=draw.fund.path or "", now=now,
                 after={"winners": record["winners"], "values": record["values"], "seed": record["seed"],
                        "digest": draw.digest})
    fund_figures.counted(fund=draw.fund, at=now, draws=1)
    _tell_winners(draw)
    return draw


def _first_bad_holder(source: dict[str, Any], values: Sequence[str]) -> str | None:
    holders = source.get("holders", [])
    for index, holder in enumerate(holders):
        try:
            draw_v2.canonical_sealed_value(values[index] if index < len(values) else "")
        except protocol.DrawError:
            return str(holder["ref"])
    return None


@transaction.atomic
def draw_cancel(*, by: Any, draw: Draw, reason: str, now: datetime.datetime | None = None) -> Draw:
    """Cancel an announced draw in public: the reason is shown on the draw's page and sent to the members.
    The draw stays, with its number, which is never used again. Only before its source's values can be known:
    afterwards the result is already fixed and a cancellation would be a second throw of the dice."""
    draw = Draw.objects.select_for_update(of=("self",)).select_related("fund").get(pk=draw.pk)
    require(by, Perm.FUNDS_DECIDE, draw.fund)
    now = (now or timezone.now()).replace(microsecond=0)
    reason = normalize_text(reason or "").strip()
    if draw.status != Draw.Status.ANNOUNCED:
        raise DomainError(_("Only a draw that is announced and not yet performed can be cancelled."))
    if draw.is_v2 and _values_may_be_known(draw, now):
        raise DomainError(_("The values of this draw's source may already be known, so its result is fixed: it can "
                            "no longer be cancelled, only performed."))
    if not reason:
        raise DomainError(_("Say why the draw is cancelled: the members will read it."), field="reason")
    if len(reason) > 300:
        raise DomainError(_("Keep the reason under 300 characters."), field="reason")
    draw.status, draw.cancelled_by, draw.cancelled_at, draw.cancel_reason = Draw.Status.CANCELLED, by, now, reason
    draw.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    audit_record(by=by, action="draw.cancel", obj=draw, scope_path=draw.fund.path or "", now=now,
                 before={"status": Draw.Status.ANNOUNCED}, after={"status": draw.status, "reason": reason})
    if draw.is_v2:
        _tell_members(draw, "cancel")
    return draw


def _values_may_be_known(draw: Draw, now: datetime.datetime) -> bool:
    """From the figure's day (or, for sealed numbers, the draw's time) someone may know the result; a
    cancellation then would let the manager throw away a result he dislikes, so it is refused."""
    source = (draw.announcement or {}).get("source", {})
    if source.get("kind") == PUBLIC_VALUE:
        return timezone.localdate(now) >= datetime.date.fromisoformat(source["date"])
    return now >= draw.scheduled_at


def _tell_members(draw: Draw, what: str) -> None:
    """An SMS to each active member (eligible or not), once per key, after the transaction commits. At the
    announcement it carries the digest and the list hash, so each member's copy exists outside the server."""
    members = Membership.objects.filter(fund=draw.fund, status=Membership.Status.ACTIVE).select_related("person")
    with translation.override("fa"):
        fund, number = draw.fund.name, localize_digits(str(draw.number))
        if what == "announce":
            text = _("%(fund)s: draw %(number)s is announced for %(when)s. Keep this message. Announcement code: "
                     "%(digest)s List code: %(list)s") % {
                "fund": fund, "number": number, "when": format_jalali_datetime(draw.scheduled_at),
                "digest": draw.digest[:32], "list": draw.list_hash[:16]}
        else:
            text = _("%(fund)s: draw %(number)s was cancelled. Reason: %(reason)s") % {
                "fund": fund, "number": number, "reason": draw.cancel_reason}
        for membership in members:
            try:
                notify(key=f"draw:{draw.pk}:{what}:member{membership.number}", to=membership.person.mobile,
                       text=text)
            except SmsError:
                logger.warning("draw %s: member %s has no usable mobile", draw.pk, membership.number)


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


def draw_values_may_be_known(draw: Draw, now: datetime.datetime | None = None) -> bool:
    """Whether the draw is past the point where it could still be cancelled (see draw_cancel)."""
    return _values_may_be_known(draw, now or timezone.now())
