"""The person's file (پرونده): one page with everything a person has with the programme.

Who opens a file (`file_access`): the person herself; officers whose people scope covers the unit that
registered her (national, province, county and base officers, auditors); and the officers of a fund she is or
was a member of (its manager, treasurer and those above), who see only the fund part. Anyone else gets a 404.

The page is a list of sections. Each comes from a provider, `provider(*, viewer, person, limit) -> Section |
None`, which reads through its own app's selectors, applies that app's scope rule for the viewer (a fund
manager sees the memberships of her fund only) and returns None when the viewer may see nothing of it or there
is nothing. Each list in a section holds its first `limit` rows and says how many there are in all, so the
page costs the same whatever the person's history; the section's own page (`/desk/file/<pk>/<key>/`) shows up
to `SECTION_LIMIT` rows. A provider registers with one line in `PROVIDERS`.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mardom.people.models import Person
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on

FILE_LIMIT = 5  # rows of each list on the file page
SECTION_LIMIT = 100  # rows of each list on a section's own page


# --- what a provider returns ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One figure: shown by `kind` with the Persian filters (money in the display unit, Jalali dates, digits).
    Kinds: "text", "number", "money", "date", "balance" (a job leader's account: positive is owed to her)."""

    label: str
    value: Any
    kind: str = "text"


@dataclass(frozen=True)
class Item:
    """One row of a list: a title (linked only when the viewer may open the page), a status badge, figures."""

    title: str
    url: str = ""
    badge: str = ""
    badge_class: str = ""
    facts: tuple[Fact, ...] = ()
    note: str = ""
    warn: str = ""  # something late or due, shown in red


@dataclass(frozen=True)
class Group:
    """A list in a section: its first rows and how many there are in all."""

    title: str
    items: list[Item]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass
class Section:
    key: str
    title: str
    facts: list[Fact] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of pages the viewer may open
    template: str = "desk/_file_section.html"
    full_url: str = ""  # set by `person_file` when a list is cut: the section's own page

    @property
    def cut(self) -> bool:
        return any(group.more for group in self.groups)


Provider = Callable[..., Section | None]

# (key, provider). The key names the section's own page; keep keys stable, they are in addresses.
PROVIDERS: list[tuple[str, str]] = [
    ("funds", "mardom.desk.selectors.person_file.funds_section"),
    ("production", "mardom.desk.selectors.person_file.production_section"),
    ("colonies", "mardom.desk.selectors.person_file.colonies_section"),
    ("jobs", "mardom.desk.selectors.person_file.jobs_section"),
    ("brands", "mardom.desk.selectors.person_file.brands_section"),
    ("market", "mardom.desk.selectors.person_file.market_section"),
    ("shop", "mardom.desk.selectors.person_file.shop_section"),
    ("requests", "mardom.desk.selectors.person_file.requests_section"),
    ("training", "mardom.desk.selectors.person_file.training_section"),
]


@cache
def _provider(path: str) -> tuple[Provider, bool]:
    provider = import_string(path)
    return provider, "limit" in inspect.signature(provider).parameters


def provider_keys() -> list[str]:
    return [key for key, _path in PROVIDERS]


# --- who opens a file ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileAccess:
    own: bool  # the person herself
    officer: bool  # people.view over the unit that registered her: the whole file, identity included


def file_access(*, viewer: Any, person: Person) -> FileAccess | None:
    """How `viewer` may open `person`'s file, or None when she may not."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return None
    own = getattr(viewer, "person_id", None) == person.pk
    officer = has_perm_on(viewer, Perm.PEOPLE_VIEW, person.unit)
    if own or officer:
        return FileAccess(own=own, officer=officer)
    from mardom.funds.selectors import serves_member

    if serves_member(user=viewer, person=person):
        return FileAccess(own=False, officer=False)
    return None


def person_file_get(*, viewer: Any, pk: int) -> tuple[Person, FileAccess]:
    """The person whose file `viewer` opens, with how; a 404 for anyone who may not (missing looks the same)."""
    person = Person.objects.select_related("unit", "home_place__county", "home_place__province").filter(pk=pk).first()
    access = file_access(viewer=viewer, person=person) if person is not None else None
    if person is None or access is None:
        raise Http404
    return person, access


# --- the file ------------------------------------------------------------------------------------------------

@dataclass
class PersonFile:
    person: Person
    access: FileAccess
    sections: list[Section]


def file_url(person: Person, access: FileAccess) -> str:
    return reverse("desk:file-me") if access.own else reverse("desk:file", args=[person.pk])


def section_url(person: Person, access: FileAccess, key: str) -> str:
    if access.own:
        return reverse("desk:file-me-section", args=[key])
    return reverse("desk:file-section", args=[person.pk, key])


def person_file(*, viewer: Any, person: Person, access: FileAccess, only: str = "",
                limit: int = FILE_LIMIT) -> PersonFile:
    """The file's sections the viewer may see, in the registry's order; with `only`, that one section (a 404
    when it is unknown or shows the viewer nothing)."""
    sections = []
    for key, path in PROVIDERS:
        if only and key != only:
            continue
        provider, takes_limit = _provider(path)
        section = provider(viewer=viewer, person=person, limit=limit) if takes_limit else provider(
            viewer=viewer, person=person)
        if section is None:
            continue
        if section.cut and not only:
            section.full_url = section_url(person, access, key)
        sections.append(section)
    if only and not sections:
        raise Http404
    return PersonFile(person=person, access=access, sections=sections)


# --- the providers of what exists today -----------------------------------------------------------------------

def _today() -> datetime.date:
    return timezone.localdate()


def funds_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Loan funds: memberships and savings, loans with what is left and the next installment, guarantees she
    gave and those asked for her loans. Officers see the funds in their funds scope only."""
    from mardom.funds.models import Guarantee, Loan
    from mardom.funds.selectors import person_funds

    today = _today()
    data = person_funds(user=viewer, person=person, limit=limit, on=today)
    if not data:
        return None
    memberships = [Item(
        title=m.fund.name, url=reverse("funds:membership", args=[m.pk]), badge=m.get_status_display(),
        badge_class="done" if m.status == "active" else "",
        facts=(Fact(_("Savings"), m.savings, "money"), Fact(_("Membership number"), m.number, "number"),
               Fact(_("Joined on"), m.joined_on, "date")) + ((Fact(_("Left on"), m.left_on, "date"),)
                                                             if m.left_on else ()),
    ) for m in data.memberships]
    loans = []
    for row in data.loans:
        loan = row.loan
        facts: tuple[Fact, ...] = (Fact(_("Amount"), loan.amount, "money"),
                                   Fact(_("Applied on"), timezone.localdate(loan.applied_at), "date"))
        if loan.status == Loan.Status.DISBURSED:
            facts += (Fact(_("Left to repay"), row.remaining, "money"),)
            if row.next_due_on:
                facts += (Fact(_("Next installment"), row.next_due_on, "date"),)
        loans.append(Item(
            title=loan.fund.name, url=reverse("funds:loan", args=[loan.pk]), badge=loan.get_status_display(),
            badge_class="open" if loan.status in ("applied", "proposed", "approved") else (
                "done" if loan.status == "repaid" else ""),
            facts=facts, note=loan.get_purpose_display(),
            warn=_("Overdue: %(amount)s") % {"amount": _money(row.overdue)} if row.overdue else ""))
    badge = {Guarantee.Status.REQUESTED: "open", Guarantee.Status.ACCEPTED: "accepted",
             Guarantee.Status.DECLINED: "declined"}
    given = [Item(
        title=_("For %(name)s") % {"name": g.loan.membership.person.full_name},
        url=reverse("funds:loan", args=[g.loan_id]), badge=g.get_status_display(),
        badge_class=badge.get(g.status, ""), facts=(Fact(_("Amount"), g.amount, "money"),),
        note=g.loan.fund.name) for g in data.guarantees_given]
    asked = [Item(
        title=g.guarantor.person.full_name, url=reverse("funds:loan", args=[g.loan_id]),
        badge=g.get_status_display(), badge_class=badge.get(g.status, ""),
        facts=(Fact(_("Amount"), g.amount, "money"),)) for g in data.guarantees_asked]
    groups = [Group(_("Memberships"), memberships, data.memberships_total),
              Group(_("Loans"), loans, data.loans_total)]
    if data.guarantees_given_total:
        groups.append(Group(_("Guarantees she gave"), given, data.guarantees_given_total))
    if data.guarantees_asked_total:
        groups.append(Group(_("Guarantors of her loans"), asked, data.guarantees_asked_total))
    return Section(
        key="funds", title=_("Loan funds"),
        facts=[Fact(_("Active memberships"), data.active_memberships, "number"),
               Fact(_("Savings"), data.savings, "money"),
               Fact(_("Open loans"), data.open_loans, "number"),
               Fact(_("Left to repay (principal)"), data.outstanding, "money")],
        groups=[g for g in groups if g.total])


def _money(value: int) -> str:
    from mardom.core.money import format_money

    return format_money(value)


def production_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """The producer record: each registration with its status, products and the sales she started from."""
    from mardom.production.selectors import person_producers

    producers, total = person_producers(user=viewer, person=person, limit=limit)
    if not total:
        return None
    items = []
    for p in producers:
        lines = ", ".join(pp.product.name for pp in p.products.all())
        items.append(Item(
            title=p.business_name or p.get_kind_display(), url=reverse("production:producer", args=[p.pk]),
            badge=p.get_status_display(),
            badge_class={"approved": "done", "pending": "open", "rejected": "declined"}.get(p.status, ""),
            facts=(Fact(_("Place"), p.place.name), Fact(_("Products"), lines),
                   Fact(_("Working since"), p.started_on, "date"),
                   Fact(_("Sales in the twelve months before joining"), p.baseline_sales, "money")),
            note=p.activities))
    approved = [p for p in producers if p.status == "approved"]
    links = [(_("Sales against the doubling goal"), reverse("dashboards:doubling-producer", args=[approved[0].pk]))] \
        if approved else []
    return Section(key="production", title=_("Producer record"),
                   groups=[Group(_("Registrations"), items, total)], links=links)


def colonies_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Colonies and clusters: the colonies her registrations belong to, their clusters, and the colonies she
    coordinates. A colony or cluster is linked only for those who may open its page."""
    from mardom.production.selectors import person_colonies, person_coordinates

    rows, total = person_colonies(user=viewer, person=person, limit=limit)
    coordinated = person_coordinates(user=viewer, person=person, limit=limit)
    if not total and not coordinated:
        return None
    items = []
    for row in rows:
        colony, cluster = row.colony, row.colony.in_cluster
        facts: tuple[Fact, ...] = (Fact(_("Product line"), row.product.name),)
        if cluster is not None:
            facts += (Fact(_("Cluster"), cluster.name),)
        items.append(Item(title=colony.name, url=reverse("production:colony", args=[colony.pk])
                          if row.colony_open else "", facts=facts,
                          note=colony.place.name if colony.place_id else ""))
    clusters = {row.colony.in_cluster_id: row for row in rows if row.colony.in_cluster_id}
    cluster_items = [Item(title=row.colony.in_cluster.name, url=reverse("production:cluster", args=[cluster_id])
                          if row.cluster_open else "") for cluster_id, row in clusters.items()]
    groups = [Group(_("Colonies"), items, total)] if total else []
    if cluster_items:
        groups.append(Group(_("Clusters"), cluster_items, len(cluster_items)))
    if coordinated:
        groups.append(Group(_("Colonies she coordinates"), [
            Item(title=c.name, url=reverse("production:colony", args=[c.pk]) if c.colony_open else "",
                 facts=(Fact(_("Product line"), c.product.name),)) for c in coordinated], len(coordinated)))
    return Section(key="colonies", title=_("Colonies and clusters"),
                   groups=groups)


def jobs_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Agreements with job leaders and the account balance with each."""
    from mardom.production.selectors import person_agreements

    rows, total = person_agreements(user=viewer, person=person, limit=limit)
    if not total:
        return None
    items = [Item(
        title=a.job_leader.name, url=reverse("production:agreement", args=[a.pk]) if a.agreement_open else "",
        badge="" if a.is_active else _("Ended"),
        facts=(Fact(_("Product"), a.product.name), Fact(_("Pricing"), a.get_pricing_display()),
               Fact(_("Balance"), a.balance, "balance"))) for a in rows]
    return Section(key="jobs", title=_("Agreements with job leaders"),
                   groups=[Group(_("Agreements"), items, total)])


def brands_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Brand authorisations: which brand on which product, until when, and how many lots she declared."""
    from mardom.brands.selectors import person_authorisations

    rows, total = person_authorisations(user=viewer, person=person, limit=limit)
    if not total:
        return None
    items = []
    for a in rows:
        facts: tuple[Fact, ...] = (Fact(_("Product"), a.product.name), Fact(_("Valid from"), a.valid_from, "date"))
        if a.valid_to:
            facts += (Fact(_("Valid until"), a.valid_to, "date"),)
        facts += (Fact(_("Lots"), a.lots_count, "number"),)
        items.append(Item(title=a.brand.name, url=reverse("brands:brand", args=[a.brand_id]),
                          badge=a.get_status_display(), badge_class="done" if a.status == "active" else "declined",
                          facts=facts))
    return Section(key="brands", title=_("Brand authorisations"),
                   groups=[Group(_("Authorisations"), items, total)])


def market_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Booths and exhibition applications: each term she applied for, and the booth she was given."""
    from mardom.market.selectors.exhibitions import person_applications

    rows, counts = person_applications(user=viewer, person=person, limit=limit)
    total = counts["total"]
    if not total:
        return None
    items = []
    for a in rows:
        facts: tuple[Fact, ...] = (Fact(_("Term"), a.term_start, "date"),)
        if a.booth_id:
            facts += (Fact(_("Booth"), a.booth.code),)
        items.append(Item(
            title=a.exhibition.name, url=reverse("market:booth", args=[a.pk]) if a.may_sell else reverse(
                "market:exhibition", args=[a.exhibition_id]),
            badge=a.get_status_display(),
            badge_class={"allocated": "done", "submitted": "open", "withdrawn": "declined"}.get(a.status, ""),
            facts=facts, note=a.products))
    return Section(key="market", title=_("Booths and exhibitions"),
                   facts=[Fact(_("Applications"), total, "number"),
                          Fact(_("Booths allocated"), counts["allocated"], "number")],
                   groups=[Group(_("Applications"), items, total)])


def shop_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """The online shop: her listings (those on sale linked to their public page) and the orders she had."""
    from mardom.market.selectors.shop import person_shop

    data = person_shop(user=viewer, person=person, limit=limit)
    if not data["listings_total"] and not data["orders"]:
        return None
    items = [Item(title=listing.title, url=reverse("shop:listing", args=[listing.pk]) if listing.on_sale else "",
                  badge=_("On sale") if listing.on_sale else _("Not on sale"),
                  badge_class="done" if listing.on_sale else "",
                  facts=(Fact(_("Price per pack"), listing.price, "money"), Fact(_("Packs in stock"), listing.stock,
                                                                                 "number")),
                  note=listing.authorisation.brand.name) for listing in data["listings"]]
    own = getattr(viewer, "person_id", None) == person.pk
    links = [(_("Your listings"), reverse("shop:my-listings")), (_("Your orders"), reverse("shop:my-orders"))] \
        if own else []
    return Section(key="shop", title=_("Online shop"),
                   facts=[Fact(_("Listings on sale"), data["on_sale"], "number"),
                          Fact(_("Orders"), data["orders"], "number"), Fact(_("Sold"), data["sold"], "money")],
                   groups=[Group(_("Listings"), items, data["listings_total"])] if data["listings_total"] else [],
                   links=links)


def requests_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Requests to institutions: each with where it went, its state and its light, the late ones in red."""
    from mardom.desk.selectors.requests import person_requests

    rows, total = person_requests(user=viewer, person=person, limit=limit)
    if not total:
        return None
    items = []
    for r in rows:
        facts: tuple[Fact, ...] = (Fact(_("Sent to"), str(r.receiver)), Fact(_("Kind"), r.get_kind_display()),
                                   Fact(_("Made on"), timezone.localdate(r.created_at), "date"))
        if r.amount_asked:
            facts += (Fact(_("Amount asked"), r.amount_asked, "money"),)
        if r.granted_amount:
            facts += (Fact(_("Amount granted"), r.granted_amount, "money"),)
        light = getattr(r, "light", None)
        warn = str(light.label) if light is not None and light.code == "red" else (
            _("Answered late") if r.is_late and not r.is_open else "")
        items.append(Item(title=r.subject, url=reverse("desk:request", args=[r.pk]), badge=r.get_status_display(),
                          badge_class="done" if r.outcome == "granted" else (
                              "declined" if r.outcome == "refused" else ""),
                          facts=facts, warn=warn))
    return Section(key="requests", title=_("Requests to institutions"),
                   groups=[Group(_("Requests"), items, total)])


def training_section(*, viewer: Any, person: Person, limit: int = FILE_LIMIT) -> Section | None:
    """Courses and certificates: each course with how far she is, and the certificate's public check page."""
    from mardom.training.selectors.files import file_section

    data = file_section(viewer=viewer, person=person, limit=limit)
    if not data.total:
        return None
    items, links = [], []
    for enrolment, progress in data.rows:
        course = enrolment.course
        facts: tuple[Fact, ...] = (Fact(_("Held by"), course.unit.name),
                                   Fact(_("Sessions attended"), progress.attended, "number"),
                                   Fact(_("Sessions required"), progress.required, "number"))
        certificate = getattr(enrolment, "certificate", None)
        if certificate is not None:
            facts += (Fact(_("Certificate"), certificate.code),)
            # The public check page: what anyone shown the certificate opens (name and course only).
            links.append((_("Check the certificate of %(course)s") % {"course": course.title},
                          reverse("certificate", args=[certificate.code])))
        items.append(Item(title=course.title, url=reverse("training:course", args=[course.pk]),
                          badge=enrolment.get_status_display(),
                          badge_class="done" if certificate is not None else "", facts=facts))
    return Section(key="training", title=_("Courses and certificates"),
                   groups=[Group(_("Courses"), items, total=data.total)], links=links)
