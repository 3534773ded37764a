"""The audit log as people read it: a sentence per action code, the changed fields with their labels and
formatted values (money, Jalali dates, names with links), in the reader's language and digits.

`ACTIONS` maps every action code written by `audit_record` to its group (the "kind of action" filter) and its
sentence; a test fails when the code writes an action that has no sentence here. `present(entries)` turns a
page of audit entries into rows for the template with a bounded number of queries (one per kind of object
named in the page's changes, whatever the number of rows)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from .digits import localize_digits
from .jalali import format_jalali, format_jalali_datetime, month_name
from .money import format_money, format_number

GROUPS: dict[str, Promise] = {
    "funds": _l("Loan funds"),
    "people": _l("People, accounts and roles"),
    "orgs": _l("Bases, groups and institutions"),
    "production": _l("Producers, colonies and clusters"),
    "brands": _l("Collective brands"),
    "market": _l("Exhibitions and the shop"),
    "desk": _l("Facilitation desk"),
    "training": _l("Courses and certificates"),
}


@dataclass(frozen=True)
class Action:
    group: str
    sentence: Promise  # with %(actor)s and %(object)s
    # The model whose field labels name this action's changes, when it is not the object's own model.
    fields_model: str = ""


def _a(group: str, sentence: Promise, fields_model: str = "") -> Action:
    return Action(group, sentence, fields_model)


ACTIONS: dict[str, Action] = {
    # printable documents made in the background
    "document.request": _a("people", _l("%(actor)s asked for the document %(object)s")),
    # loan funds
    "fund.create": _a("funds", _l("%(actor)s created the loan fund %(object)s"), "funds.fundrules"),
    "fund.rules": _a("funds", _l("%(actor)s changed the rules of the fund %(object)s"), "funds.fundrules"),
    "membership.join": _a("funds", _l("%(actor)s registered the membership %(object)s")),
    "membership.withdraw": _a("funds", _l("%(actor)s recorded a withdrawal from the savings of %(object)s")),
    "membership.leave": _a("funds", _l("%(actor)s recorded that %(object)s left the fund")),
    "membership.transfer": _a("funds", _l("%(actor)s transferred the membership %(object)s")),
    "contribution.record": _a("funds", _l("%(actor)s recorded %(object)s")),
    "contribution.month": _a("funds", _l("%(actor)s recorded the month's contributions of %(object)s")),
    "contribution.reverse": _a("funds", _l("%(actor)s reversed the contribution %(object)s")),
    "membership.withdraw.reverse": _a("funds", _l("%(actor)s reversed a withdrawal from the savings of %(object)s")),
    "loan.repay.reverse": _a("funds", _l("%(actor)s reversed a repayment of %(object)s")),
    "loan.late_charge.reverse": _a("funds", _l("%(actor)s gave back a late charge on %(object)s")),
    "meeting.close": _a("funds", _l("%(actor)s closed a meeting of the fund %(object)s")),
    "draw.announce": _a("funds", _l("%(actor)s announced the draw %(object)s")),
    "draw.perform": _a("funds", _l("%(actor)s performed the draw %(object)s")),
    "draw.cancel": _a("funds", _l("%(actor)s cancelled the draw %(object)s in public")),
    "loan.apply": _a("funds", _l("%(actor)s applied for %(object)s")),
    "loan.propose": _a("funds", _l("%(actor)s proposed %(object)s for approval")),
    "loan.approve": _a("funds", _l("%(actor)s approved %(object)s")),
    "loan.reject": _a("funds", _l("%(actor)s rejected %(object)s")),
    "loan.cancel": _a("funds", _l("%(actor)s cancelled %(object)s")),
    "loan.disburse": _a("funds", _l("%(actor)s paid out %(object)s")),
    "loan.repay": _a("funds", _l("%(actor)s recorded a repayment of %(object)s")),
    "loan.write_off": _a("funds", _l("%(actor)s wrote off %(object)s")),
    "loan.forgiveness": _a("funds", _l("%(actor)s forgave what was left of %(object)s")),
    "loan.late_charge": _a("funds", _l("%(actor)s collected a late charge on %(object)s")),
    "guarantee.request": _a("funds", _l("%(actor)s asked for %(object)s")),
    "guarantee.accept": _a("funds", _l("%(actor)s accepted %(object)s")),
    "guarantee.decline": _a("funds", _l("%(actor)s declined %(object)s")),
    # people
    "person.create": _a("people", _l("%(actor)s registered %(object)s")),
    "person.update": _a("people", _l("%(actor)s edited the details of %(object)s")),
    "account.create": _a("people", _l("%(actor)s opened a user account for %(object)s")),
    "account.password": _a("people", _l("%(actor)s set a new password for %(object)s")),
    "role.grant": _a("people", _l("%(actor)s granted the role %(object)s")),
    "role.revoke": _a("people", _l("%(actor)s revoked the role %(object)s")),
    "role.propose": _a("people", _l("%(actor)s proposed the role %(object)s, for a second officer to confirm")),
    "role.confirm": _a("people", _l("%(actor)s confirmed the proposed role %(object)s")),
    "role.decline": _a("people", _l("%(actor)s declined the proposed role %(object)s")),
    "role.withdraw": _a("people", _l("%(actor)s withdrew the proposal of the role %(object)s")),
    "consent.request": _a("people", _l("%(actor)s asked, by an SMS code, for a person's consent (%(object)s)")),
    "consent.grant": _a("people", _l("%(actor)s received a person's consent by her SMS code (%(object)s)")),
    "consent.use": _a("people", _l("%(actor)s acted for a person with her consent (%(object)s)")),
    # the facilitation desk
    "person_file.view": _a("people", _l("%(actor)s opened the file of %(object)s")),
    # bases, groups and institutions
    "base.create": _a("orgs", _l("%(actor)s registered the base %(object)s")),
    "base.update": _a("orgs", _l("%(actor)s edited the base %(object)s")),
    "group.create": _a("orgs", _l("%(actor)s registered the volunteer group %(object)s")),
    "group.update": _a("orgs", _l("%(actor)s edited the volunteer group %(object)s")),
    "institution.create": _a("orgs", _l("%(actor)s registered the institution %(object)s")),
    "institution.update": _a("orgs", _l("%(actor)s edited the institution %(object)s")),
    "linkage.create": _a("orgs", _l("%(actor)s linked %(object)s")),
    "referral.create": _a("orgs", _l("%(actor)s made the referral %(object)s")),
    "referral.status": _a("orgs", _l("%(actor)s answered the referral %(object)s")),
    # producers, colonies, clusters, job leaders and value chains
    "producer.register": _a("production", _l("%(actor)s registered the producer %(object)s")),
    "producer.approve": _a("production", _l("%(actor)s approved the producer %(object)s")),
    "producer.reject": _a("production", _l("%(actor)s rejected the producer %(object)s")),
    "advantage.add": _a("production", _l("%(actor)s added the advantaged product %(object)s")),
    "advantage.remove": _a("production", _l("%(actor)s removed the advantaged product %(object)s")),
    "job_leader.register": _a("production", _l("%(actor)s registered the job leader %(object)s")),
    "job_agreement.create": _a("production", _l("%(actor)s made %(object)s")),
    "job_entry.issue": _a("production", _l("%(actor)s recorded materials issued: %(object)s")),
    "job_entry.receipt": _a("production", _l("%(actor)s recorded output bought back: %(object)s")),
    "job_entry.pay_producer": _a("production", _l("%(actor)s recorded a payment to the producer: %(object)s")),
    "job_entry.pay_leader": _a("production", _l("%(actor)s recorded a payment by the producer: %(object)s")),
    "job_entry.reversal": _a("production", _l("%(actor)s corrected a line of the work account: %(object)s")),
    "colony.create": _a("production", _l("%(actor)s formed the colony %(object)s")),
    "colony.rename": _a("production", _l("%(actor)s renamed the colony %(object)s")),
    "colony.coordinator": _a("production", _l("%(actor)s changed the coordinator of the colony %(object)s")),
    "colony.member_add": _a("production", _l("%(actor)s added a producer to the colony %(object)s")),
    "colony.member_remove": _a("production", _l("%(actor)s removed a producer from the colony %(object)s")),
    "suggestion.edit": _a("production", _l("%(actor)s formed a colony from %(object)s")),
    "suggestion.reject": _a("production", _l("%(actor)s rejected %(object)s")),
    "suggestion.reoffer": _a("production", _l("%(actor)s offered %(object)s again")),
    "cluster.colonies": _a("production", _l("%(actor)s grouped colonies into the cluster %(object)s")),
    "cluster.province": _a("production", _l("%(actor)s grouped county clusters into %(object)s")),
    "cluster.update": _a("production", _l("%(actor)s edited the cluster %(object)s")),
    "cluster.colony_remove": _a("production", _l("%(actor)s removed a colony from the cluster %(object)s")),
    "cluster.county_cluster_remove": _a("production",
                                        _l("%(actor)s removed a county cluster from %(object)s")),
    "chain.template_create": _a("production", _l("%(actor)s created the value chain %(object)s")),
    "chain.stage_add": _a("production", _l("%(actor)s added a stage to the value chain %(object)s")),
    "chain.stage_update": _a("production", _l("%(actor)s edited a stage of the value chain %(object)s")),
    "chain.stage_delete": _a("production", _l("%(actor)s removed a stage of the value chain %(object)s")),
    "chain.reorder": _a("production", _l("%(actor)s reordered the stages of the value chain %(object)s")),
    # collective brands
    "brand.create": _a("brands", _l("%(actor)s created the collective brand %(object)s")),
    "brand.logo": _a("brands", _l("%(actor)s changed the logo of %(object)s")),
    "brand.rules": _a("brands", _l("%(actor)s published new rules of use of %(object)s")),
    "brand.authorise": _a("brands", _l("%(actor)s authorised %(object)s")),
    "brand.sanction.warning": _a("brands", _l("%(actor)s warned %(object)s")),
    "brand.sanction.suspend": _a("brands", _l("%(actor)s suspended %(object)s")),
    "brand.sanction.reinstate": _a("brands", _l("%(actor)s reinstated %(object)s")),
    "lot.declare": _a("brands", _l("%(actor)s declared the lot %(object)s")),
    "lot.pass": _a("brands", _l("%(actor)s passed the lot %(object)s")),
    "lot.fail": _a("brands", _l("%(actor)s failed the lot %(object)s")),
    "lot.labels": _a("brands", _l("%(actor)s issued labels for the lot %(object)s")),
    # exhibitions and the shop
    "exhibition.create": _a("market", _l("%(actor)s created the exhibition %(object)s")),
    "exhibition.allocate": _a("market", _l("%(actor)s allocated the booths of %(object)s")),
    "exhibition.visitors": _a("market", _l("%(actor)s recorded the visitors of %(object)s")),
    "booth.add": _a("market", _l("%(actor)s added the booth %(object)s")),
    "application.submit": _a("market", _l("%(actor)s applied for a booth: %(object)s")),
    "sale.record": _a("market", _l("%(actor)s recorded %(object)s")),
    "sale.cancel": _a("market", _l("%(actor)s cancelled %(object)s")),
    "listing.create": _a("market", _l("%(actor)s put %(object)s on sale in the shop")),
    "listing.update": _a("market", _l("%(actor)s edited the shop item %(object)s")),
    "order.place": _a("market", _l("%(actor)s placed %(object)s")),
    "order.payment_start": _a("market", _l("%(actor)s sent the buyer of %(object)s to the payment gateway")),
    "order.paid": _a("market", _l("%(actor)s recorded the payment of %(object)s")),
    "order.payment_failed": _a("market", _l("%(actor)s recorded a failed payment for %(object)s")),
    "order.out_of_stock": _a("market", _l("%(actor)s refunded %(object)s: out of stock")),
    "order_part.shipped": _a("market", _l("%(actor)s sent %(object)s")),
    "order_part.delivered": _a("market", _l("%(actor)s recorded the delivery of %(object)s")),
    "payout.record": _a("market", _l("%(actor)s recorded a payout to the producer: %(object)s")),
    # the facilitation desk: its working calendar
    "holiday.create": _a("desk", _l("%(actor)s added the holiday %(object)s to the working calendar")),
    "holiday.update": _a("desk", _l("%(actor)s edited the holiday %(object)s of the working calendar")),
    "holiday.delete": _a("desk", _l("%(actor)s removed the holiday %(object)s from the working calendar")),
    "holiday.seed": _a("desk", _l("%(actor)s added the official holidays of %(object)s to the working calendar")),
    "calendar.thursday": _a("desk", _l("%(actor)s changed Thursday's working hours in %(object)s")),
    # courses and certificates
    "course.create": _a("training", _l("%(actor)s created the course %(object)s")),
    "course.update": _a("training", _l("%(actor)s edited the course %(object)s")),
    "course.session_add": _a("training", _l("%(actor)s added a session to the course %(object)s"),
                             "training.session"),
    "course.session_remove": _a("training", _l("%(actor)s removed a session of the course %(object)s"),
                                "training.session"),
    "course.publish": _a("training", _l("%(actor)s published the course %(object)s")),
    "course.cancel": _a("training", _l("%(actor)s cancelled the course %(object)s")),
    "enrolment.create": _a("training", _l("%(actor)s enrolled %(object)s")),
    "enrolment.wait": _a("training", _l("%(actor)s put %(object)s on the waiting list")),
    "enrolment.promote": _a("training", _l("%(actor)s freed a seat for %(object)s from the waiting list")),
    "enrolment.withdraw": _a("training", _l("%(actor)s withdrew the enrolment %(object)s")),
    "enrolment.complete": _a("training", _l("%(actor)s recorded the attendance that completed %(object)s")),
    "attendance.mark": _a("training", _l("%(actor)s took the attendance of %(object)s")),
    "attendance.scan": _a("training", _l("%(actor)s scanned the attendance code of %(object)s")),
    "certificate.issue": _a("training", _l("%(actor)s completed a course, and the certificate %(object)s was "
                                           "issued")),
    "certificate.revoke": _a("training", _l("%(actor)s revoked the certificate %(object)s")),
    # requests to institutions (the facilitation desk)
    "request.create": _a("desk", _l("%(actor)s drafted the request %(object)s")),
    "request.submit": _a("desk", _l("%(actor)s submitted the request %(object)s")),
    "request.receive": _a("desk", _l("%(actor)s recorded that the institution received the request %(object)s")),
    "request.review": _a("desk", _l("%(actor)s started reviewing the request %(object)s")),
    "request.wait": _a("desk", _l("%(actor)s asked the person for something missing in the request %(object)s")),
    "request.resume": _a("desk", _l("%(actor)s set the request %(object)s moving again")),
    "request.answer": _a("desk", _l("%(actor)s recorded the answer to the request %(object)s")),
    "request.close": _a("desk", _l("%(actor)s closed the request %(object)s")),
    "request.withdraw": _a("desk", _l("%(actor)s withdrew the request %(object)s")),
    "request.appeal": _a("desk", _l("%(actor)s appealed a refusal with the request %(object)s")),
    "request.reroute": _a("desk", _l("%(actor)s sent a refused request on as %(object)s")),
    "request.document": _a("desk", _l("%(actor)s added a document to the request %(object)s")),
    "service_level.set": _a("desk", _l("%(actor)s set the service level %(object)s")),
    "request.late": _a("desk", _l("%(actor)s recorded that the request %(object)s missed its deadline")),
    "request.remind": _a("desk", _l("%(actor)s sent a reminder about the request %(object)s")),
    "request.escalate": _a("desk", _l("%(actor)s escalated the request %(object)s")),
    # the API (tokens for devices, institutions' systems)
    "api.token.create": _a("people", _l("%(actor)s made the API token %(object)s")),
    "api.token.revoke": _a("people", _l("%(actor)s revoked the API token %(object)s")),
    "api.client.register": _a("orgs", _l("%(actor)s registered the API client %(object)s")),
    "api.client.revoke": _a("orgs", _l("%(actor)s revoked the API client %(object)s")),
    "fund.import": _a("funds", _l("%(actor)s onboarded the loan fund %(object)s from a spreadsheet")),
}


def group_actions(group: str) -> list[str]:
    return [code for code, action in ACTIONS.items() if action.group == group]


# --- how objects are named and linked ----------------------------------------------------------------------

def _orgs(slug: str) -> Any:
    return lambda pk: reverse("orgs:detail", args=[slug, pk])


_PAGES: dict[str, Any] = {
    "people.person": lambda pk: reverse("people:detail", args=[pk]),
    "orgs.base": _orgs("bases"), "orgs.volunteergroup": _orgs("groups"), "orgs.institution": _orgs("institutions"),
    "funds.fund": lambda pk: reverse("funds:detail", args=[pk]),
    "funds.membership": lambda pk: reverse("funds:membership", args=[pk]),
    "funds.loan": lambda pk: reverse("funds:loan", args=[pk]),
    "funds.draw": lambda pk: reverse("funds:draw", args=[pk]),
    "production.producer": lambda pk: reverse("production:producer", args=[pk]),
    "production.colony": lambda pk: reverse("production:colony", args=[pk]),
    "production.cluster": lambda pk: reverse("production:cluster", args=[pk]),
    "production.jobleader": lambda pk: reverse("production:job-leader", args=[pk]),
    "production.jobagreement": lambda pk: reverse("production:agreement", args=[pk]),
    "brands.brand": lambda pk: reverse("brands:brand", args=[pk]),
    "brands.lot": lambda pk: reverse("brands:lot", args=[pk]),
    "market.exhibition": lambda pk: reverse("market:exhibition", args=[pk]),
    "training.course": lambda pk: reverse("training:course", args=[pk]),
    "desk.request": lambda pk: reverse("desk:request", args=[pk]),
}

# Objects whose str() carries raw numbers, dates or ids: named by their kind and number instead.
_NUMBERED = {
    "funds.loan", "funds.contribution", "funds.guarantee", "funds.movement", "funds.repayment", "funds.latecharge",
    "funds.installment", "funds.fundrules", "market.sale", "market.order", "market.orderpart", "market.payoutentry",
    "market.visitorcount", "market.application", "market.allocationrun", "production.jobentry",
    "production.jobagreement", "production.suggestiondecision", "brands.brandrules",
    "training.session",
}
# str() of these reads related rows: fetched with them.
_RELATED = {
    "funds.membership": ("person",), "production.producer": ("person",), "people.user": ("person",),
    "brands.authorisation": ("producer__person", "brand", "product"), "people.roleassignment": ("unit",),
    "orgs.linkage": ("base", "group"), "orgs.referral": ("from_unit", "to_unit"),
    "training.enrolment": ("person", "course"),
    "production.advantagedproduct": ("product", "region"),
}


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _numbered(label: str, pk: Any) -> str:
    model = _model(label)
    kind = model._meta.verbose_name if model else label
    return _("%(kind)s no. %(number)s") % {"kind": kind, "number": localize_digits(str(pk))}


def _page(label: str, pk: Any) -> str:
    make = _PAGES.get(label)
    if make is None or pk in (None, ""):
        return ""
    try:
        return make(int(pk))
    except (NoReverseMatch, TypeError, ValueError):
        return ""


def _link(text: str, url: str) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)


def object_name(label: str, pk: Any, text: str) -> str:
    if label in _NUMBERED:
        return _numbered(label, pk)
    return localize_digits(text) if text else _numbered(label, pk)


# --- the changed fields ------------------------------------------------------------------------------------

# Keys written into before/after that are not fields of the object's model.
_LABELS: dict[str, Promise] = {
    "amount": _l("amount"), "fee": _l("fee"), "upfront": _l("fee taken at payout"),
    "outstanding": _l("left to repay"), "returned": _l("savings returned"), "savings": _l("savings"),
    "opening_deposit": _l("opening deposit"), "principal": _l("principal"), "balance": _l("balance"),
    "total": _l("total"), "price": _l("price"), "person": _l("person"), "to_person": _l("to"),
    "number": _l("number"), "new_number": _l("new member number"), "period": _l("month"),
    "members": _l("members"), "entries": _l("entries"), "winners": _l("winners"), "status": _l("status"),
    "note": _l("note"), "reason": _l("reason"), "installment": _l("installment"), "months": _l("months"),
    "loan": _l("loan"), "membership": _l("membership"), "name": _l("name"), "effective_from": _l("in force from"),
    "founded_on": _l("founded on"), "producer": _l("producer"), "producers": _l("producers"),
    "product": _l("product"), "products": _l("products"), "colony": _l("colony"), "colonies": _l("colonies"),
    "county_cluster": _l("county cluster"), "county_clusters": _l("county clusters"), "place": _l("place"),
    "region": _l("region"), "quantity": _l("quantity"), "count": _l("count"), "day": _l("day"),
    "visitors": _l("visitors"), "term": _l("term"), "allocated": _l("allocated"), "waitlisted": _l("waitlisted"),
    "stock": _l("stock"), "active": _l("on sale"), "parts": _l("parts"), "lines": _l("lines"),
    "user": _l("user"), "role": _l("role"), "unit": _l("unit"), "stages": _l("stages"),
    "value_chain": _l("value chain"), "offered": _l("offered"), "chosen": _l("chosen"),
    "base": _l("base"), "group": _l("group"),
    "from": _l("first label number"), "counter": _l("cancelling sale"), "authority": _l("payment reference"),
    "applicant": _l("applicant"), "list_hash": _l("fingerprint of the list"), "commitment": _l("commitment"),
    "seed": _l("seed"), "public_entropy": _l("public random value"), "rules": _l("rules"),
    "functions": _l("functions"), "owner": _l("owner"), "grade": _l("grade"), "reverses": _l("corrects"),
    "agreement": _l("agreement"), "joined_at": _l("joined on"), "decided_by": _l("decided by"),
    "decided_at": _l("decided at"), "logo": _l("logo"), "version": _l("version"), "valid_from": _l("valid from"),
    "valid_to": _l("valid until"), "name_public": _l("name shown publicly"), "made_on": _l("made on"),
    "authorisation": _l("authorisation"), "method": _l("payment method"), "kind": _l("kind"), "type": _l("type"),
    "starts_on": _l("starts on"), "ends_on": _l("ends on"), "guarantor": _l("guarantor"),
    "purpose": _l("purpose"), "priority": _l("priority"), "baseline_sales": _l("sales before joining"),
    "years": _l("years"),
    "present": _l("present"),
    "said_by": _l("said by"),
}
_MONEY = {"amount", "fee", "upfront", "outstanding", "returned", "savings", "opening_deposit", "principal",
          "balance", "total", "price", "baseline_sales", "rate", "rate_a", "rate_b", "rate_c"}
# Keys that name other objects (by primary key), where the object's own model has no such field.
_REFS = {
    "person": "people.person", "to_person": "people.person", "membership": "funds.membership",
    "loan": "funds.loan", "guarantor": "funds.membership", "producer": "production.producer",
    "producers": "production.producer", "offered": "production.producer", "chosen": "production.producer",
    "colony": "production.colony", "colonies": "production.colony", "county_cluster": "production.cluster",
    "county_clusters": "production.cluster", "cluster": "production.cluster", "place": "geo.place",
    "region": "orgs.orgunit", "unit": "orgs.orgunit", "user": "people.user", "coordinator": "production.producer",
    "present": "training.enrolment",
}
_PRODUCT_KEYS = {"product", "products"}
_VALUE_CHAIN = "value_chain"  # a slug of the product taxonomy, named by its products
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_LONG_LIST = 8


@dataclass
class Change:
    label: str
    before: SafeString | None = None
    after: SafeString | None = None


@dataclass
class Row:
    entry: Any
    sentence: SafeString
    changes: list[Change] = field(default_factory=list)


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _ref_label(model: type[models.Model] | None, key: str) -> str:
    """The model the key refers to ("app.model"), or "value_chain", or ""."""
    if key == _VALUE_CHAIN:
        return _VALUE_CHAIN
    f = _field(model, key)
    if f is not None and f.is_relation and f.related_model is not None:
        return f.related_model._meta.label_lower
    return _REFS.get(key, "") if f is None else ""


class _Refs:
    """Collects the objects a page's changes name, then fetches each kind in one query."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[Any]] = defaultdict(set)
        self.found: dict[tuple[str, str], SafeString] = {}

    def want(self, label: str, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            by_pk = isinstance(item, int) and not isinstance(item, bool)
            by_code = label in ("production.product", _VALUE_CHAIN) and isinstance(item, str)
            if by_pk or by_code:  # products and value chains go by code
                self.wanted[label].add(item)

    def fetch(self) -> None:
        for label, keys in self.wanted.items():
            model = _model(label) if label != _VALUE_CHAIN else None
            if (model is None and label != _VALUE_CHAIN) or not keys:
                continue
            if label == _VALUE_CHAIN:
                from mardom.production.chains import value_chains

                names = value_chains()  # one query over the product taxonomy
                self.found.update({(label, code): format_html("{}", names[code]) for code in keys if code in names})
                continue
            qs = model._default_manager.all()
            if label == "production.product":
                qs = qs.filter(code__in=[k for k in keys if isinstance(k, str)])
                self.found.update({(label, obj.code): _link(str(obj), "") for obj in qs})  # type: ignore[attr-defined]
                continue
            if label in _RELATED:
                qs = qs.select_related(*_RELATED[label])
            for obj in qs.filter(pk__in=[k for k in keys if isinstance(k, int)]):
                text = object_name(label, obj.pk, str(obj))
                self.found[(label, str(obj.pk))] = _link(text, _page(label, obj.pk))

    def name(self, label: str, value: Any) -> SafeString | None:
        return self.found.get((label, str(value)))


def _scalar(value: Any, *, money: bool = False, choices: dict[str, Any] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return format_money(value) if money else format_number(value)
    if isinstance(value, float):
        return localize_digits(str(value))
    text = str(value)
    if choices and text in choices:
        return str(choices[text])
    if _ISO_DATETIME.match(text):
        try:
            return format_jalali_datetime(dt.datetime.fromisoformat(text))
        except ValueError:
            pass
    if _ISO_DATE.match(text):
        try:
            return format_jalali(dt.date.fromisoformat(text))
        except ValueError:
            pass
    period = _PERIOD.match(text)
    if period and 1 <= int(period.group(2)) <= 12:
        return f"{month_name(int(period.group(2)))} {localize_digits(period.group(1))}"
    return localize_digits(text)


# Lists of codes kept in a JSONField, whose labels are the choices of a class on the model.
_CODE_LISTS = {"fields_of_work": "Field", "functions": "Function"}


def _code_choices(model: type[models.Model] | None, key: str) -> dict[str, Any]:
    choices = getattr(getattr(model, _CODE_LISTS.get(key, ""), None), "choices", None) if model else None
    return {str(k): v for k, v in choices} if choices else {}


def _join(parts: list[SafeString]) -> SafeString:
    # Each part is already escaped (format_html) or a link built by format_html.
    return mark_safe("، ".join(parts) if parts else "—")


def _value(model: type[models.Model] | None, key: str, value: Any, refs: _Refs) -> SafeString:
    """One value as HTML: escaped text, or the link to the object it names."""
    f = _field(model, key)
    ref = _ref_label(model, key) or ("production.product" if key in _PRODUCT_KEYS else "")
    codes = _code_choices(model, key)
    if codes and isinstance(value, list):
        return _join([format_html("{}", codes.get(str(v), v)) for v in value])
    if isinstance(value, list):
        if value and all(isinstance(v, list | dict) for v in value):
            return format_html("{}", format_number(len(value)))
        shown = [_value(model, key, v, refs) for v in value[:_LONG_LIST]]
        if len(value) > _LONG_LIST:
            shown.append(format_html("{}", _("and %(n)s more") % {"n": format_number(len(value) - _LONG_LIST)}))
        return _join(shown)
    if isinstance(value, dict):
        return _join([format_html("{}: {}", _label(None, k), _value(None, k, v, refs)) for k, v in value.items()])
    if ref and value not in (None, ""):
        found = refs.name(ref, value)
        if found:
            return found
    money = key in _MONEY or isinstance(f, models.BigIntegerField)
    choices = {str(k): v for k, v in f.flatchoices} if f is not None and f.choices else None
    return format_html("{}", _scalar(value, money=money, choices=choices))


def _label(model: type[models.Model] | None, key: str) -> str:
    f = _field(model, key)
    automatic = key.replace("_", " ")  # what Django names a field given no verbose_name (untranslated)
    if f is not None and f.verbose_name and (str(f.verbose_name) != automatic or key not in _LABELS):
        return str(f.verbose_name)
    return str(_LABELS.get(key, automatic))


def _model_for(entry: Any) -> type[models.Model] | None:
    action = ACTIONS.get(entry.action)
    return _model(action.fields_model) if action and action.fields_model else _model(entry.object_type)


_CHAIN_TEMPLATE = "production.chaintemplate"  # named by its value chain's slug


def sentence(entry: Any, refs: _Refs | None = None) -> SafeString:
    action = ACTIONS.get(entry.action)
    actor = localize_digits(str(entry.actor)) if entry.actor_id else _("The system")
    name = object_name(entry.object_type, entry.object_id, entry.object_repr) if entry.object_type else "—"
    if entry.object_type == _CHAIN_TEMPLATE:
        chain = refs.name(_VALUE_CHAIN, entry.object_repr) if refs else None
        name = chain or (_("The default stages") if entry.object_repr == "default" else name)
    obj = _link(name, _page(entry.object_type, entry.object_id))
    if action is None:
        return format_html("{} — {}: {}", actor, entry.action, obj)
    # The translated sentence is text; its parts are escaped and the object's link is inserted whole.
    template = str(action.sentence).replace("{", "{{").replace("}", "}}")
    return format_html(template.replace("%(actor)s", "{actor}").replace("%(object)s", "{object}"),
                       actor=actor, object=obj)


def _pairs(entry: Any) -> list[tuple[str, Any, Any, bool, bool]]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(dict.fromkeys([*after, *before]))
    return [(k, before.get(k), after.get(k), k in before, k in after) for k in keys
            if not (k in before and k in after and before[k] == after[k])]


def present(entries: Any) -> list[Row]:
    """Rows for a page of audit entries: its sentence and its changes, each value formatted."""
    entries = list(entries)
    refs = _Refs()
    for entry in entries:
        model = _model_for(entry)
        if entry.object_type == _CHAIN_TEMPLATE:
            refs.want(_VALUE_CHAIN, entry.object_repr)
        for key, before, after, _b, _f in _pairs(entry):
            label = _ref_label(model, key) or ("production.product" if key in _PRODUCT_KEYS else "")
            if label:
                refs.want(label, before)
                refs.want(label, after)
    refs.fetch()
    rows = []
    for entry in entries:
        model = _model_for(entry)
        changes = [
            Change(label=_label(model, key),
                   before=_value(model, key, before, refs) if in_before else None,
                   after=_value(model, key, after, refs) if in_after else None)
            for key, before, after, in_before, in_after in _pairs(entry)
        ]
        rows.append(Row(entry=entry, sentence=sentence(entry, refs), changes=changes))
    return rows
