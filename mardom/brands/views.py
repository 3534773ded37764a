"""Pages for collective brands: the list and founding a brand; a brand's page with its rules, members,
sanctions and lots; declaring a lot, inspecting it and issuing its labels; the printable label sheet; and the
public provenance page a label's QR code opens (no login)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mardom.core.forms_util import run_service
from mardom.core.money import format_number
from mardom.core.paging import paginate
from mardom.core.pdf import pdf_response, render_pdf
from mardom.core.text import search_key
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import has_perm_on, holds_anywhere, require, scope_filter

from . import selectors, services
from .forms import (
    AuthoriseForm,
    BrandForm,
    InspectForm,
    LabelsForm,
    LogoForm,
    LotForm,
    RulesForm,
    SanctionForm,
    SerialForm,
)
from .models import Authorisation, Brand, Label, Lot

COLUMNS = 3
SHEET = 24  # labels on one A4 page: 3 columns by 8 rows
SHEETS_PER_PDF = 10  # one PDF holds at most this many pages (a big lot is printed in several files)
LABELS_PER_PDF = SHEET * SHEETS_PER_PDF
LABELS_SHOWN = 200


def _who(user: Any, brand: Brand) -> SimpleNamespace:
    """What the user may do on this brand. `staff` see every member and lot; a producer only their own."""
    manage = has_perm_on(user, Perm.BRANDS_MANAGE, brand)
    inspect = has_perm_on(user, Perm.BRANDS_INSPECT, brand)
    staff = manage or inspect or has_perm_on(user, Perm.PRODUCERS_VIEW, brand)
    return SimpleNamespace(manage=manage, inspect=inspect, staff=staff, labels=manage or inspect)


def grouped(serial: str) -> str:
    """ABCDEFGHJK -> ABCD-EFGH-JK: easier to read out and to type (the hyphens are ignored when typed)."""
    return "-".join(serial[i:i + 4] for i in range(0, len(serial), 4))


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


# --- Brands -------------------------------------------------------------------------------------------------

@login_required
def brand_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = selectors.my_authorisations(user=user)
    if not (mine or any(holds_anywhere(user, p) for p in (Perm.BRANDS_MANAGE, Perm.BRANDS_INSPECT,
                                                          Perm.PRODUCERS_VIEW))):
        raise PermissionDenied
    query = request.GET.get("q", "")[:100]
    brands = selectors.brands_of(user=user)
    if query.strip():
        brands = brands.filter(search_key__contains=search_key(query))
    return render(request, "brands/brand_list.html", {
        "page": paginate(request, brands), "query": query, "mine": mine,
        "manager": holds_anywhere(user, Perm.BRANDS_MANAGE),
    })


def _owners(user: Any) -> Any:
    units = OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.CLUSTER, OrgUnit.Kind.COLONY], is_active=True)
    return scope_filter(units, user, Perm.BRANDS_MANAGE).order_by("kind", "name")


@login_required
def brand_create(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.BRANDS_MANAGE):
        raise PermissionDenied
    post = request.method == "POST"
    form = BrandForm(request.POST if post else None, request.FILES if post else None, owners=_owners(request.user))
    if post and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            brand = run_service(form, services.brand_create, by=request.user, owner=data["owner"], name=data["name"],
                         specification=data["specification"], rules=data["rules"],
                         effective_from=data["effective_from"])
            if brand is not None and data.get("logo"):
                services.brand_logo_set(by=request.user, brand=brand, upload=data["logo"],
                                        extension=data["logo"].logo_extension)
        if brand is not None:
            messages.success(request, _("The brand was founded."))
            return redirect("brands:brand", pk=brand.pk)
    return render(request, "brands/brand_form.html", {"form": form}, status=400 if form.is_bound else 200)


def _brand_page(request: HttpRequest, brand: Brand, status: int = 200, **bound: Any) -> HttpResponse:
    user = request.user
    who = _who(user, brand)
    today = timezone.localdate()
    products = selectors.brand_products(brand=brand)
    rules = selectors.rules_history(brand=brand)
    current = next((r for r in rules if r.effective_from <= today), rules[-1] if rules else None)
    members = selectors.authorisations_of(brand=brand, user=user, manager=who.staff)
    sanctions = selectors.sanctions_of(brand=brand)
    if not who.staff:
        sanctions = [s for s in sanctions if s.authorisation.producer.person_id == user.person_id]
    rows = []
    for member in members:
        form = None
        if who.manage:
            form = (bound["sanction_form"] if bound.get("sanction_for") == member.pk
                    else SanctionForm(auto_id=f"s{member.pk}-%s"))
        rows.append((member, form))
    context: dict[str, Any] = {
        "brand": brand, "who": who, "chain": "، ".join(p.name for p in products), "rules": rules,
        "current": current, "today": today, "rows": rows, "sanctions": sanctions,
        "lots": selectors.lots_of(brand=brand, user=user, manager=who.staff),
        "sanction_for": bound.get("sanction_for"),
        "can_declare": who.manage or any(m.status == Authorisation.Status.ACTIVE for m in members
                                         if m.producer.person_id == user.person_id),
    }
    if who.manage:
        context.update({
            "rules_form": bound.get("rules_form") or RulesForm(auto_id="rules-%s"),
            "authorise_form": bound.get("authorise_form") or AuthoriseForm(products=products, auto_id="auth-%s"),
            "logo_form": bound.get("logo_form") or LogoForm(auto_id="logo-%s"),
        })
    return render(request, "brands/brand_detail.html", context, status=status)


@login_required
def brand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _brand_page(request, selectors.brand_get(user=request.user, pk=pk))


def _managed(request: HttpRequest, pk: int) -> Brand:
    brand = selectors.brand_get(user=request.user, pk=pk)
    if not has_perm_on(request.user, Perm.BRANDS_MANAGE, brand):
        raise PermissionDenied
    return brand


@login_required
@require_POST
def rules_add(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _managed(request, pk)
    form = RulesForm(request.POST, auto_id="rules-%s")
    if form.is_valid() and run_service(form, services.brand_rules_add, by=request.user, brand=brand,
                                text=form.cleaned_data["text"], effective_from=form.cleaned_data["effective_from"]):
        messages.success(request, _("The new version of the rules was saved."))
        return redirect("brands:brand", pk=brand.pk)
    return _brand_page(request, brand, status=400, rules_form=form)


@login_required
@require_POST
def logo_set(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _managed(request, pk)
    form = LogoForm(request.POST, request.FILES, auto_id="logo-%s")
    if form.is_valid():
        services.brand_logo_set(by=request.user, brand=brand, upload=form.cleaned_data["logo"],
                                extension=form.cleaned_data["logo"].logo_extension)
        messages.success(request, _("The logo was saved."))
        return redirect("brands:brand", pk=brand.pk)
    return _brand_page(request, brand, status=400, logo_form=form)


@require_GET
def brand_logo(request: HttpRequest, pk: int) -> HttpResponse:
    """The logo image: public, as on the packs and the provenance pages."""
    brand = selectors.public_logo(pk=pk)
    if brand is None:
        raise Http404
    try:
        handle = brand.logo.open("rb")
    except OSError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(brand.logo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
@require_POST
def authorise(request: HttpRequest, pk: int) -> HttpResponse:
    brand = _managed(request, pk)
    products = selectors.brand_products(brand=brand)
    form = AuthoriseForm(request.POST, products=products, auto_id="auth-%s")
    if form.is_valid():
        data = form.cleaned_data
        producer = selectors.member_producer(brand=brand, national_id=data["national_id"], product=data["product"])
        if producer is None:
            form.add_error("national_id", _("No member of this brand's colonies has this national ID."))
        elif run_service(form, services.authorise, {"producer": "national_id"}, by=request.user, brand=brand,
                  producer=producer, product=data["product"], valid_from=data["valid_from"],
                  valid_to=data["valid_to"], name_public=data["name_public"]):
            messages.success(request, _("%(name)s may now use the brand.") % {"name": producer.person.full_name})
            return redirect("brands:brand", pk=brand.pk)
    return _brand_page(request, brand, status=400, authorise_form=form)


@login_required
@require_POST
def sanction(request: HttpRequest, pk: int, authorisation: int) -> HttpResponse:
    brand = _managed(request, pk)
    member = selectors.authorisation_get(brand=brand, pk=authorisation)
    form = SanctionForm(request.POST, auto_id=f"s{member.pk}-%s")
    if form.is_valid() and run_service(form, services.sanction, by=request.user, authorisation=member,
                                action=form.cleaned_data["action"], reason=form.cleaned_data["reason"]):
        messages.success(request, _("The sanction was recorded."))
        return redirect("brands:brand", pk=brand.pk)
    return _brand_page(request, brand, status=400, sanction_form=form, sanction_for=member.pk)


# --- Lots and labels ----------------------------------------------------------------------------------------

@login_required
def lot_declare(request: HttpRequest, pk: int) -> HttpResponse:
    brand = selectors.brand_get(user=request.user, pk=pk)
    manager = has_perm_on(request.user, Perm.BRANDS_MANAGE, brand)
    authorisations = selectors.lot_authorisations(brand=brand, user=request.user, manager=manager)
    if not manager and not authorisations.exists():
        raise PermissionDenied
    initial = {"authorisation": request.GET.get("authorisation", "")[:12]}
    form = LotForm(request.POST if request.method == "POST" else None, authorisations=authorisations,
                   initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lot = run_service(form, services.lot_declare, by=request.user, authorisation=data["authorisation"],
                   quantity=data["quantity"], made_on=data["made_on"])
        if lot is not None:
            messages.success(request, _("Lot %(code)s was declared; the brand's inspector will check it.")
                             % {"code": lot.code})
            return redirect("brands:lot", pk=lot.pk)
    return render(request, "brands/lot_form.html", {"brand": brand, "form": form},
                  status=400 if form.is_bound else 200)


def _lot_page(request: HttpRequest, lot: Lot, status: int = 200, **bound: Any) -> HttpResponse:
    who = _who(request.user, lot.brand)
    try:
        start = max(1, int(request.GET.get("start", "1")[:9]))
    except ValueError:
        start = 1
    passed = lot.status == Lot.Status.PASSED
    active = lot.authorisation.status == Authorisation.Status.ACTIVE
    room = max(0, services.max_labels(lot) - lot.label_count)
    context: dict[str, Any] = {
        "lot": lot, "brand": lot.brand, "who": who, "room": room,
        "labels": [(label, grouped(label.serial)) for label in
                   selectors.labels_page(lot=lot, start=start, size=LABELS_SHOWN)] if who.staff else [],
        "start": start, "shown": LABELS_SHOWN,
        "sheets": [(first, min(first + LABELS_PER_PDF - 1, lot.label_count))
                   for first in range(1, lot.label_count + 1, LABELS_PER_PDF)] if who.labels else [],
        "inspect_form": bound.get("inspect_form") or (
            InspectForm() if services.may_inspect(request.user, lot) and lot.status == Lot.Status.DECLARED
            else None),
        "own_lot": who.inspect and services.is_party_to(request.user, lot),
        "labels_form": bound.get("labels_form") or (
            LabelsForm(initial={"count": min(room, SHEET)}) if who.labels and passed and active and room else None),
    }
    return render(request, "brands/lot_detail.html", context, status=status)


@login_required
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _lot_page(request, selectors.lot_get(user=request.user, pk=pk))


@login_required
@require_POST
def lot_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    lot = selectors.lot_get(user=request.user, pk=pk)
    require(request.user, Perm.BRANDS_INSPECT, lot.brand)
    form = InspectForm(request.POST)
    if form.is_valid():
        passed = form.cleaned_data["result"] == "pass"
        if run_service(form, services.lot_inspect, by=request.user, lot=lot, passed=passed,
                       note=form.cleaned_data["note"]):
            messages.success(request, _("The lot passed inspection.") if passed else _("The lot failed inspection."))
            return redirect("brands:lot", pk=lot.pk)
    return _lot_page(request, lot, status=400, inspect_form=form)


def _may_print(user: Any, lot: Lot) -> None:
    if not (has_perm_on(user, Perm.BRANDS_MANAGE, lot.brand) or has_perm_on(user, Perm.BRANDS_INSPECT, lot.brand)):
        raise PermissionDenied


@login_required
@require_POST
def labels_issue(request: HttpRequest, pk: int) -> HttpResponse:
    lot = selectors.lot_get(user=request.user, pk=pk)
    _may_print(request.user, lot)
    form = LabelsForm(request.POST)
    if form.is_valid():
        labels = run_service(form, services.labels_issue, by=request.user, lot=lot, count=form.cleaned_data["count"])
        if labels:
            messages.success(request, _("%(count)s labels were issued. Print the sheet below.")
                             % {"count": format_number(len(labels))})
            return redirect("brands:lot", pk=lot.pk)
    return _lot_page(request, lot, status=400, labels_form=form)


def _qr(serial: str) -> str:
    """A label's QR code as a one-pixel-per-module PNG data URL (printed enlarged, without smoothing).

    Measured in bench/documents.py: an inline SVG costs WeasyPrint ~50 ms a code to parse and paint (each module
    is a path segment), the PNG ~1 ms; and segno's choice of the best of the 8 masks costs ~11 ms a code, so one
    fixed mask is used (any mask decodes the same; error correction stays at M or better)."""
    return segno.make(services.public_url(serial), error="m", mask=0).png_data_uri(scale=1, border=2)


@login_required
def labels_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    lot = selectors.lot_get(user=request.user, pk=pk)
    _may_print(request.user, lot)
    try:
        start = max(1, int(request.GET.get("start", "1")[:9]))
    except ValueError:
        start = 1
    labels: list[Label] = selectors.labels_page(lot=lot, start=start, size=LABELS_PER_PDF)
    if not labels:
        raise Http404
    content = labels_sheet_pdf(lot=lot, brand=lot.brand, product=lot.authorisation.product, labels=labels)
    return pdf_response(content, labels_sheet_filename(lot=lot, labels=labels))


@login_required
@require_POST
def labels_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a label sheet as a background document, then wait for it on its page (core.document)."""
    from mardom.core.documents import document_request
    from mardom.core.models import Document

    try:
        start = max(1, int(request.POST.get("start", "1")[:9]))
    except ValueError:
        start = 1
    doc = document_request(by=request.user, kind=Document.Kind.LABELS, params={"lot": pk, "start": start})
    return redirect("document", pk=doc.pk)


def labels_sheet_filename(*, lot: Any, labels: list[Any]) -> str:
    return f"labels-{lot.code}-{labels[0].number}-{labels[-1].number}.pdf"


def labels_sheet_pdf(*, lot: Any, brand: Any, product: Any, labels: list[Any],
                     progress: Callable[[int], None] | None = None) -> bytes:
    """The printable sheet of `labels` (3 columns by 8 rows a page): the view and the document task share it.
    `progress(percent)` is told how far it got (the QR codes up to 40%, then WeasyPrint's one render)."""
    cells: list[dict[str, Any] | None] = []
    for index, label in enumerate(labels, 1):
        cells.append({"serial": grouped(label.serial), "number": label.number, "qr": _qr(label.serial)})
        if progress and index % 12 == 0:
            progress(5 + 35 * index // len(labels))
    if progress:
        progress(40)
    cells += [None] * (-len(cells) % COLUMNS)  # the last row keeps its three columns
    rows = [cells[i:i + COLUMNS] for i in range(0, len(cells), COLUMNS)]
    return render_pdf("brands/labels_print.html", {
        "lot": lot, "brand": brand, "product": product,
        "pages": [rows[i:i + SHEET // COLUMNS] for i in range(0, len(rows), SHEET // COLUMNS)],
        "first": labels[0].number, "last": labels[-1].number,
        # Printed without the scheme: shorter, and what a person types into a browser anyway.
        "search_url": (settings.PUBLIC_BASE_URL.rstrip("/") + reverse("provenance-search")).split("://", 1)[-1],
    }, None)


# --- The public pages ---------------------------------------------------------------------------------------

@require_GET
def provenance_view(request: HttpRequest, serial: str) -> HttpResponse:
    """What a label's QR code opens: no login, nothing private, and a plain warning when something is wrong."""
    check = services.label_check(serial=serial)
    facts = selectors.provenance(label=check.label) if check.label is not None else None
    return _no_index(render(request, "brands/provenance.html", {
        "check": check, "facts": facts, "serial": grouped(check.serial) if check.label else check.serial[:32],
        "form": SerialForm() if check.status in ("mistyped", "unknown") else None,
        "suspicious_at": services.SUSPICIOUS_SCANS_PER_LABEL,
    }))


@require_GET
def provenance_search(request: HttpRequest) -> HttpResponse:
    """The same check for someone who types the code printed under the QR."""
    form = SerialForm(request.GET if "serial" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("provenance", serial=form.cleaned_data["serial"])
    return _no_index(render(request, "brands/provenance_search.html", {"form": form},
                            status=400 if form.is_bound else 200))
