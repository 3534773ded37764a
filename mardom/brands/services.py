"""Writes for collective brands: the brand and its rules, authorised members and sanctions, lots, their
inspection and their labels; and the one public write, counting a label's scans."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mardom.core.audit import audit_record
from mardom.core.errors import DomainError
from mardom.core.jalali import PROGRAMME_EPOCH, format_jalali, to_jalali
from mardom.core.money import format_number
from mardom.core.text import normalize_text, search_key
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, require
from mardom.production.models import Cluster, Colony, ColonyMember, Producer, ProducerProduct, Product

from . import serials
from .models import Authorisation, Brand, BrandRules, Label, Lot, Sanction

EARLIEST_RULES = PROGRAMME_EPOCH
MAX_QUANTITY = Decimal("100000000")
MAX_LABELS_AT_ONCE = 5000
# A genuine pack is checked a few times (shop, buyer, a gift); this many scans of one serial, or of a lot's
# serials this many times over, looks like copies of one genuine label going round.
SUSPICIOUS_SCANS_PER_LABEL = 25
SUSPICIOUS_SCANS_PER_LOT_LABEL = 5


def colonies_of_owner(owner: OrgUnit) -> list[int]:
    """The colonies whose members may be authorised: the colony itself, or a cluster's colonies (a province
    cluster's through its county clusters)."""
    if owner.kind == OrgUnit.Kind.COLONY:
        return [owner.pk]
    cluster = Cluster.objects.get(pk=owner.pk)
    ids = [cluster.pk]
    if cluster.level == Cluster.Level.PROVINCE:
        ids += list(cluster.county_clusters.values_list("pk", flat=True))
    return list(Colony.objects.filter(in_cluster_id__in=ids).values_list("pk", flat=True))


@transaction.atomic
def brand_create(*, by: Any, owner: OrgUnit, name: str, specification: str, rules: str,
                 effective_from: datetime.date) -> Brand:
    """A cluster or a colony founds a brand, with its specification and the first version of its rules."""
    if owner.kind not in (OrgUnit.Kind.CLUSTER, OrgUnit.Kind.COLONY):
        raise DomainError(_("A brand belongs to a cluster or a colony."), field="owner")
    require(by, Perm.BRANDS_MANAGE, owner)
    name, specification, rules = normalize_text(name), _paragraphs(specification), _paragraphs(rules)
    if not name:
        raise DomainError(_("Give the brand a name."), field="name")
    if not specification:
        raise DomainError(_("Write the product and quality specification."), field="specification")
    if not rules:
        raise DomainError(_("Write the rules of use."), field="rules")
    if effective_from < EARLIEST_RULES:
        raise DomainError(_("Brand rules cannot take effect before %(limit)s.")
                          % {"limit": format_jalali(EARLIEST_RULES)}, field="effective_from")
    if Brand.objects.filter(search_key=search_key(name)).exists():
        raise DomainError(_("A brand with this name already exists."), field="name")
    chain = (Cluster.objects.get(pk=owner.pk).value_chain if owner.kind == OrgUnit.Kind.CLUSTER
             else Colony.objects.select_related("product").get(pk=owner.pk).product.value_chain)
    brand = Brand.objects.create(kind=OrgUnit.Kind.BRAND, name=name, search_key=search_key(name), parent=owner,
                                 place=owner.place, value_chain=chain, specification=specification, created_by=by)
    unit_set_path(brand)
    BrandRules(brand=brand, version=1, text=rules, effective_from=effective_from, created_by=by).save()
    audit_record(by=by, action="brand.create", obj=brand, scope_path=brand.path or "",
                 after={"owner": owner.pk, "value_chain": chain, "name": name})
    return brand


@transaction.atomic
def brand_logo_set(*, by: Any, brand: Brand, upload: Any, extension: str) -> Brand:
    """Store a checked logo (the form has verified it is a small PNG, JPEG, WebP or GIF image)."""
    import secrets

    brand = Brand.objects.select_for_update(of=("self",)).get(pk=brand.pk)
    require(by, Perm.BRANDS_MANAGE, brand)
    before = brand.logo.name
    upload.seek(0)
    brand.logo.save(f"brand-{brand.pk}-{secrets.token_hex(4)}.{extension}", upload, save=False)
    Brand.objects.filter(pk=brand.pk).update(logo=brand.logo.name)
    audit_record(by=by, action="brand.logo", obj=brand, scope_path=brand.path or "", before={"logo": before},
                 after={"logo": brand.logo.name})
    return brand


def _paragraphs(text: str) -> str:
    """Normalise each line of a multi-line text, keeping its line breaks (rules, specifications)."""
    return "\n".join(normalize_text(line) for line in (text or "").strip().splitlines()).strip()


@transaction.atomic
def brand_rules_add(*, by: Any, brand: Brand, text: str, effective_from: datetime.date) -> BrandRules:
    """A new version of the rules; earlier versions stay as they were."""
    brand = Brand.objects.select_for_update(of=("self",)).get(pk=brand.pk)
    require(by, Perm.BRANDS_MANAGE, brand)
    text = _paragraphs(text)
    if not text:
        raise DomainError(_("Write the rules of use."), field="text")
    latest = brand.rules.order_by("-version").first()
    # Never before the current version (so never before the brand began: its first rules), nor before 1358.
    if latest is not None and effective_from < latest.effective_from:
        raise DomainError(_("A new version cannot take effect before the current one."), field="effective_from")
    if effective_from < EARLIEST_RULES:
        raise DomainError(_("Brand rules cannot take effect before %(limit)s.")
                          % {"limit": format_jalali(EARLIEST_RULES)}, field="effective_from")
    if latest is not None and text == latest.text:
        raise DomainError(_("These are the current rules, unchanged."), field="text")
    rules = BrandRules(brand=brand, version=(latest.version if latest else 0) + 1, text=text,
                       effective_from=effective_from, created_by=by)
    rules.save()
    audit_record(by=by, action="brand.rules", obj=brand, scope_path=brand.path or "",
                 after={"version": rules.version, "effective_from": effective_from.isoformat()})
    return rules


@transaction.atomic
def authorise(*, by: Any, brand: Brand, producer: Producer, product: Product, valid_from: datetime.date,
              valid_to: datetime.date | None = None, name_public: bool = False) -> Authorisation:
    """Let a member producer use the brand on one product of the brand's value chain."""
    require(by, Perm.BRANDS_MANAGE, brand)
    if producer.status != Producer.Status.APPROVED:
        raise DomainError(_("%(name)s is not approved yet.") % {"name": producer}, field="producer")
    if not ColonyMember.objects.filter(producer=producer, colony_id__in=colonies_of_owner(brand.parent)).exists():
        raise DomainError(_("%(name)s is not a member of this brand's colonies.") % {"name": producer},
                          field="producer")
    if product.value_chain != brand.value_chain:
        raise DomainError(_("This brand is for another value chain."), field="product")
    if not ProducerProduct.objects.filter(producer=producer, product=product).exists():
        raise DomainError(_("%(name)s does not make %(product)s.") % {"name": producer, "product": product},
                          field="product")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end of the period comes before its start."), field="valid_to")
    if Authorisation.objects.filter(brand=brand, producer=producer, product=product).exists():
        raise DomainError(_("%(name)s is already authorised for this product.") % {"name": producer},
                          field="producer")
    authorisation = Authorisation.objects.create(brand=brand, producer=producer, product=product,
                                                 valid_from=valid_from, valid_to=valid_to,
                                                 name_public=name_public, created_by=by)
    audit_record(by=by, action="brand.authorise", obj=authorisation, scope_path=brand.path or "",
                 after={"producer": producer.pk, "product": product.code, "valid_from": valid_from.isoformat(),
                        "valid_to": valid_to.isoformat() if valid_to else None, "name_public": name_public})
    return authorisation


SANCTION_TRANSITIONS = {
    Sanction.Action.WARNING: {Authorisation.Status.ACTIVE: Authorisation.Status.ACTIVE,
                              Authorisation.Status.SUSPENDED: Authorisation.Status.SUSPENDED},
    Sanction.Action.SUSPEND: {Authorisation.Status.ACTIVE: Authorisation.Status.SUSPENDED},
    Sanction.Action.REINSTATE: {Authorisation.Status.SUSPENDED: Authorisation.Status.ACTIVE},
}


@transaction.atomic
def sanction(*, by: Any, authorisation: Authorisation, action: str, reason: str,
             now: datetime.datetime | None = None) -> Sanction:
    """Warn, suspend or reinstate a member; each is logged with its reason. A suspended member's labels say
    so on the provenance page, and they can neither declare lots nor get labels."""
    authorisation = Authorisation.objects.select_for_update(of=("self",)).select_related("brand").get(
        pk=authorisation.pk)
    require(by, Perm.BRANDS_MANAGE, authorisation.brand)
    reason = normalize_text(reason)
    if not reason:
        raise DomainError(_("Give the reason."), field="reason")
    target = SANCTION_TRANSITIONS.get(action, {}).get(authorisation.status)  # type: ignore[call-overload]
    if target is None:
        raise DomainError(_("This member is not in a state for that."), field="action")
    before = authorisation.status
    if target != before:
        authorisation.status = target
        authorisation.save(update_fields=["status"])
    record = Sanction(authorisation=authorisation, action=action, reason=reason, by=by, at=now or timezone.now())
    record.save()
    audit_record(by=by, action=f"brand.sanction.{action}", obj=authorisation,
                 scope_path=authorisation.brand.path or "", before={"status": before},
                 after={"status": target, "reason": reason})
    return record


def _usable(authorisation: Authorisation, on: datetime.date) -> bool:
    return (authorisation.status == Authorisation.Status.ACTIVE and authorisation.valid_from <= on
            and (authorisation.valid_to is None or on <= authorisation.valid_to))


@transaction.atomic
def lot_declare(*, by: Any, authorisation: Authorisation, quantity: Decimal, made_on: datetime.date,
                now: datetime.datetime | None = None) -> Lot:
    """The producer (or the brand's manager for them) declares a lot for inspection."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    brand = Brand.objects.select_for_update(of=("self",)).get(pk=authorisation.brand_id)
    authorisation = Authorisation.objects.select_related("producer", "product").get(pk=authorisation.pk)
    own = getattr(by, "person_id", None) == authorisation.producer.person_id
    if not (own or has_perm_on(by, Perm.BRANDS_MANAGE, brand)):
        raise PermissionDenied
    if made_on > today:
        raise DomainError(_("The lot date cannot be in the future."), field="made_on")
    if not (_usable(authorisation, made_on) and _usable(authorisation, today)):
        raise DomainError(_("The authorisation to use this brand does not cover this lot."), field="authorisation")
    if quantity <= 0:
        raise DomainError(_("The quantity must be more than zero."), field="quantity")
    if quantity > MAX_QUANTITY:
        raise DomainError(_("This quantity is too large for one lot; check the number."), field="quantity")
    membership = ColonyMember.objects.filter(producer=authorisation.producer, product=authorisation.product,
                                             colony_id__in=colonies_of_owner(brand.parent)).first() \
        or ColonyMember.objects.filter(producer=authorisation.producer,
                                       colony_id__in=colonies_of_owner(brand.parent)).first()
    year = to_jalali(made_on).year
    seq = (Lot.objects.filter(brand=brand).count()) + 1
    lot = Lot.objects.create(brand=brand, authorisation=authorisation, code=f"{brand.pk}-{year}-{seq:04d}",
                             quantity=quantity, made_on=made_on, colony_id=membership.colony_id if membership else None,
                             declared_by=by, declared_at=now)
    audit_record(by=by, action="lot.declare", obj=lot, scope_path=brand.path or "",
                 after={"authorisation": authorisation.pk, "quantity": str(quantity), "made_on": made_on.isoformat()})
    return lot


def is_party_to(user: Any, lot: Lot) -> bool:
    """Whether `user` declared the lot or is its producer: such a person never inspects it, whatever roles
    they hold (an officer who made herself inspector must not pass her own lot)."""
    uid = getattr(user, "pk", None)
    if uid is not None and lot.declared_by_id == uid:
        return True
    person_id = getattr(user, "person_id", None)
    return person_id is not None and lot.authorisation.producer.person_id == person_id


def may_inspect(user: Any, lot: Lot) -> bool:
    return has_perm_on(user, Perm.BRANDS_INSPECT, lot.brand) and not is_party_to(user, lot)


@transaction.atomic
def lot_inspect(*, by: Any, lot: Lot, passed: bool, note: str = "", now: datetime.datetime | None = None) -> Lot:
    """The brand's inspector passes or fails a declared lot; never the one who declared it or made it."""
    lot = Lot.objects.select_for_update(of=("self",)).select_related("brand", "authorisation__producer").get(
        pk=lot.pk)
    require(by, Perm.BRANDS_INSPECT, lot.brand)
    if is_party_to(by, lot):
        raise DomainError(_("Whoever declared or made a lot cannot inspect it; another inspector must."),
                          field="result")
    if lot.status != Lot.Status.DECLARED:
        raise DomainError(_("This lot was already inspected."))
    note = normalize_text(note)
    if not passed and not note:
        raise DomainError(_("Say why the lot fails."), field="note")
    lot.status = Lot.Status.PASSED if passed else Lot.Status.FAILED
    lot.inspected_by, lot.inspected_at, lot.inspection_note = by, now or timezone.now(), note
    lot.save(update_fields=["status", "inspected_by", "inspected_at", "inspection_note"])
    audit_record(by=by, action="lot.pass" if passed else "lot.fail", obj=lot, scope_path=lot.brand.path or "",
                 after={"note": note})
    return lot


def max_labels(lot: Lot) -> int:
    """A label per unit of the lot at most (a gram of saffron, a square metre of carpet): a guard against
    typing 10000 for 100, not a packaging rule."""
    return max(1, math.ceil(lot.quantity))


@transaction.atomic
def labels_issue(*, by: Any, lot: Lot, count: int) -> list[Label]:
    """Serial labels for a passed lot, by its brand's manager or inspector."""
    lot = Lot.objects.select_for_update(of=("self",)).select_related("brand", "authorisation").get(pk=lot.pk)
    if not (has_perm_on(by, Perm.BRANDS_MANAGE, lot.brand) or has_perm_on(by, Perm.BRANDS_INSPECT, lot.brand)):
        raise PermissionDenied
    if lot.status != Lot.Status.PASSED:
        raise DomainError(_("Labels are only for lots that passed inspection."), field="count")
    if lot.authorisation.status != Authorisation.Status.ACTIVE:
        raise DomainError(_("The producer's use of the brand is suspended."), field="count")
    if not (0 < count <= MAX_LABELS_AT_ONCE):
        raise DomainError(_("Between one and %(max)s labels at a time.") % {"max": format_number(MAX_LABELS_AT_ONCE)},
                          field="count")
    if lot.label_count + count > max_labels(lot):
        raise DomainError(_("This lot can have at most %(max)s labels; %(has)s are issued.")
                          % {"max": format_number(max_labels(lot)), "has": format_number(lot.label_count)},
                          field="count")
    start = (lot.labels.aggregate(m=Max("number"))["m"] or 0) + 1
    labels = []
    for number in range(start, start + count):
        for _attempt in range(5):  # a collision among 3.5e13 serials is rare; retry rather than fail
            try:
                with transaction.atomic():
                    labels.append(Label.objects.create(lot=lot, serial=serials.new_serial(), number=number))
                break
            except IntegrityError:
                continue
        else:
            raise DomainError(_("Could not make unique serials; try again."))
    lot.label_count += count
    lot.save(update_fields=["label_count"])
    audit_record(by=by, action="lot.labels", obj=lot, scope_path=lot.brand.path or "",
                 after={"count": count, "from": start})
    return labels


# --- The public check ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """What a scanned serial turned out to be."""

    status: str  # "mistyped", "unknown", "genuine", "suspended", "suspicious"
    serial: str
    label: Label | None = None


def label_check(*, serial: str, now: datetime.datetime | None = None) -> Check:
    """Look a scanned or typed serial up and count the scan. Needs no login: it is the QR code's page."""
    serial = serials.normalise(serial)[:32]
    if not serials.is_well_formed(serial):
        return Check("mistyped", serial)
    label = Label.objects.select_related(
        "lot__brand__parent", "lot__authorisation__producer__place", "lot__authorisation__product",
        "lot__colony").filter(serial=serial).first()
    if label is None:
        return Check("unknown", serial)
    now = now or timezone.now()
    with transaction.atomic():
        Label.objects.filter(pk=label.pk).update(scan_count=F("scan_count") + 1)
        Label.objects.filter(pk=label.pk, first_scanned_at__isnull=True).update(first_scanned_at=now)
        Lot.objects.filter(pk=label.lot_id).update(scan_count=F("scan_count") + 1)
    label.refresh_from_db(fields=["scan_count", "first_scanned_at"])
    label.lot.refresh_from_db(fields=["scan_count"])
    if label.lot.authorisation.status != Authorisation.Status.ACTIVE:
        return Check("suspended", serial, label)
    if (label.scan_count > SUSPICIOUS_SCANS_PER_LABEL
            or label.lot.scan_count > SUSPICIOUS_SCANS_PER_LOT_LABEL * max(label.lot.label_count, 1)):
        return Check("suspicious", serial, label)
    return Check("genuine", serial, label)


def public_url(serial: str) -> str:
    """The address a label's QR code holds: the site's public address (setting PUBLIC_BASE_URL) and the
    provenance page of the serial."""
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("provenance", args=[serial])
