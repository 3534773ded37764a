"""The desk's data migration of referrals: every `orgs.Referral` becomes a desk Request of kind "referral".

Called by migration `desk.0006_copy_referrals` with the migration's historical models (and by its test
with the live ones); it uses nothing but the models it is given and the pure working calendar, so it keeps
working as the services change. Run twice, it copies each referral once (`RequestReferral.orgs_referral_id`).

How a referral's status maps:
- open → submitted; accepted → in review (received and first answered when the referral was last updated);
- declined → closed, refused (the receiver's words as the reason); done → closed, granted.
Its history: the making (and sending) at its creation, then the receiver's step at its last update.

Deadlines did not exist before: for a referral still open or in review they are counted from the moment it
joins the desk (on the bare office week: the holiday table is not read here), so nothing is late, and nothing
escalated, for time that passed before anyone promised a deadline; the sweep looks at it at its next run
(`next_sweep_at` is now). A finished referral gets no deadline and no late flag.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .workcal import WorkCalendar

DEFAULT_LEVEL = (3, 10)


def _county_of(OrgUnit: Any, unit: Any) -> Any:
    ids = [int(part) for part in (unit.path or "").strip("/").split("/") if part]
    return OrgUnit.objects.filter(pk__in=ids, kind="county").order_by("-pk").first()


def copy_referrals(apps: Any, *, now: datetime.datetime | None = None) -> int:
    """Copy every referral not copied yet; returns how many were."""
    Referral = apps.get_model("orgs", "Referral")
    OrgUnit = apps.get_model("orgs", "OrgUnit")
    Institution = apps.get_model("orgs", "Institution")
    Request = apps.get_model("desk", "Request")
    RequestStep = apps.get_model("desk", "RequestStep")
    RequestReferral = apps.get_model("desk", "RequestReferral")
    ServiceLevel = apps.get_model("desk", "ServiceLevel")

    now = now or timezone.now()
    cal = WorkCalendar()
    copied_already = set(RequestReferral.objects.filter(orgs_referral_id__isnull=False)
                         .values_list("orgs_referral_id", flat=True))
    levels = {(r, k): (f, d) for r, k, f, d in ServiceLevel.objects.filter(kind="referral").values_list(
        "receiver_type", "kind", "first_answer_days", "decision_days")}
    institution_types = dict(Institution.objects.values_list("pk", "type"))
    note = _("Copied from referral no. %(n)s, made before referrals joined the desk")
    count = 0
    for ref in Referral.objects.select_related("from_unit", "person", "person__unit").order_by("pk"):
        if ref.pk in copied_already:
            continue
        county = _county_of(OrgUnit, ref.from_unit)
        if county is None and ref.person_id:
            home = ref.person.unit
            county = home if home.kind == "county" else _county_of(OrgUnit, home)
        path = ref.from_unit.path or ""
        if county is not None and not path.startswith(county.path or "\0"):
            path = county.path or ""
        receiver_type = institution_types.get(ref.to_unit_id, "unit")
        first_days, decision_days = levels.get((receiver_type, "referral"), DEFAULT_LEVEL)
        request = Request(
            person_id=ref.person_id, kind="referral", subject=(ref.subject or "—")[:200],
            institution_id=ref.to_unit_id if ref.to_unit_id in institution_types else None,
            to_unit_id=None if ref.to_unit_id in institution_types else ref.to_unit_id,
            unit_id=ref.from_unit_id, county=county, path=path, created_by_id=ref.created_by_id,
            created_at=ref.created_at, submitted_at=ref.created_at,
        )
        answered = ref.updated_at or ref.created_at
        if ref.status in ("open", "accepted"):
            request.decision_due = cal.add_working_days(now, decision_days)
            if ref.status == "open":
                request.status = "submitted"
                request.first_answer_due = cal.add_working_days(now, first_days)
                request.due_at = request.first_answer_due
            else:
                request.status = "in_review"
                request.received_at = request.review_at = request.first_answer_at = answered
                request.due_at = request.decision_due
            allowed = cal.working_minutes(now, request.due_at)
            request.warn_at = cal.add_working_minutes(now, allowed - allowed // 4)
            request.next_sweep_at = now
        else:
            request.status = "closed"
            request.received_at = request.first_answer_at = request.answered_at = request.closed_at = answered
            if ref.status == "declined":
                request.outcome, request.refusal_reason, request.refusal_text = "refused", "other", ref.answer[:300]
            else:
                request.outcome, request.answer_text = "granted", ref.answer[:500]
        request.save()
        RequestReferral.objects.create(request=request, need=ref.need, orgs_referral_id=ref.pk)
        steps = [
            RequestStep(request=request, action="create", by_id=ref.created_by_id, at=ref.created_at,
                        note=note % {"n": ref.pk}),
            RequestStep(request=request, action="submit", from_status="draft", to_status="submitted",
                        by_id=ref.created_by_id, at=ref.created_at),
        ]
        if ref.status == "accepted":
            steps.append(RequestStep(request=request, action="review", from_status="submitted",
                                     to_status="in_review", at=answered, note=ref.answer[:500]))
        elif ref.status in ("declined", "done"):
            steps += [RequestStep(request=request, action="answer", from_status="submitted", to_status="answered",
                                  at=answered, note=ref.answer[:500]),
                      RequestStep(request=request, action="close", from_status="answered", to_status="closed",
                                  at=answered)]
        RequestStep.objects.bulk_create(steps)
        count += 1
    return count


def remove_copies(apps: Any) -> None:
    """Undo `copy_referrals`: delete the requests it made (and their steps); the referrals themselves were
    never changed. Requests since made from a copy (an appeal, a re-routing) keep it from being deleted."""
    Request = apps.get_model("desk", "Request")
    RequestStep = apps.get_model("desk", "RequestStep")
    RequestReferral = apps.get_model("desk", "RequestReferral")
    ids = list(RequestReferral.objects.filter(orgs_referral_id__isnull=False).values_list("request_id", flat=True))
    RequestStep.objects.filter(request_id__in=ids)._raw_delete(RequestStep.objects.db)
    RequestReferral.objects.filter(request_id__in=ids).delete()
    Request.objects.filter(pk__in=ids).delete()
