"""Pages for exhibitions: the list, founding one, and the exhibition page (floor plan, booths, applications,
allocation and its fairness report).

Exhibitions are public events, so every signed-in user sees them and may apply; running one (booths,
allocation, every application) needs market.organise on it."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mardom.core.errors import DomainError
from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.orgs.models import OrgUnit
from mardom.people.roles import Perm, Role
from mardom.people.scopes import grants_of, has_perm_on, holds_anywhere, scope_filter
from mardom.production.models import Cluster, Colony, JobLeader, Producer

from .. import services
from ..forms.exhibitions import WEIGHT_LABELS, ApplicationForm, BoothForm, ExhibitionForm, TermForm
from ..models import PLAN_COLUMNS, PLAN_ROWS, Exhibition
from ..selectors import exhibitions as selectors


def _visitors_form() -> Any:
    from ..forms.exhibitions import VisitorsForm

    return VisitorsForm()


@login_required
def exhibition_list(request: HttpRequest) -> HttpResponse:
    query, type_, when = (str(request.GET.get(k, ""))[:100] for k in ("q", "type", "when"))
    exhibitions = selectors.exhibitions_of(user=request.user, query=query, type=type_, when=when)
    return render(request, "market/exhibition_list.html", {
        "page": paginate(request, exhibitions), "query": query, "type": type_, "when": when,
        "types": Exhibition.Type.choices,
        "whens": [("current", _("Open now")), ("upcoming", _("To come")), ("past", _("Over"))],
        "my_booths": selectors.my_booths(user=request.user),
        "organiser": holds_anywhere(request.user, Perm.MARKET_ORGANISE),
    })


@login_required
def exhibition_create(request: HttpRequest) -> HttpResponse:
    if not holds_anywhere(request.user, Perm.MARKET_ORGANISE):
        raise PermissionDenied
    counties = scope_filter(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY), request.user,
                            Perm.MARKET_ORGANISE).order_by("name")
    form = ExhibitionForm(request.POST if request.method == "POST" else None, counties=counties,
                          defaults=services.default_rules())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exhibition = run_service(
            form, services.exhibition_create, by=request.user, county=data["county"], name=data["name"],
            type=data["type"], venue=data["venue"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            applications_close_on=data["applications_close_on"], term_days=data["term_days"], rules=form.rules())
        if exhibition:
            messages.success(request, _("The exhibition was created; draw its booths on the floor plan."))
            return redirect("market:exhibition", pk=exhibition.pk)
    return render(request, "market/exhibition_form.html", {"form": form}, status=400 if form.is_bound else 200)


def _applicants_for(user: Any) -> dict[str, Any]:
    """What this user may apply as: their own approved producers, colonies they coordinate, clusters they
    guide or oversee, job leaders they run."""
    options: dict[str, Any] = {}
    if getattr(user, "person_id", None):
        for producer in Producer.objects.filter(person_id=user.person_id, status=Producer.Status.APPROVED) \
                .select_related("place"):
            options[f"producer:{producer.pk}"] = producer
        for colony in Colony.objects.filter(coordinator_id=user.person_id):
            options[f"colony:{colony.pk}"] = colony
    guided = [g.unit_id for g in grants_of(user) if g.role == Role.CLUSTER_GUIDE]
    for cluster in (Cluster.objects.filter(pk__in=guided)
                    | scope_filter(Cluster.objects.all(), user, Perm.PRODUCERS_MANAGE)).distinct()[:50]:
        options[f"cluster:{cluster.pk}"] = cluster
    for leader in scope_filter(JobLeader.objects.all(), user, Perm.JOBS_RECORD)[:10]:
        options[f"job_leader:{leader.pk}"] = leader
    return options


def _label(option: Any) -> str:
    if isinstance(option, Producer):
        return _("%(name)s (producer, %(place)s)") % {"name": option, "place": option.place.name}
    kind = {Colony: _("colony"), Cluster: _("cluster"), JobLeader: _("job leader")}[type(option)]
    return f"{option.name} ({kind})"


def _term(request: HttpRequest, exhibition: Exhibition) -> datetime.date:
    terms = services.terms_of(exhibition)
    wanted = request.GET.get("term") or request.POST.get("term_start") or ""
    return next((t for t in terms if t.isoformat() == wanted), terms[0])


GROUPS = {
    "cluster_member": gettext_lazy("Cluster members"), "loan_recipient": gettext_lazy("Fund loan recipients"),
    "advantaged": gettext_lazy("Advantaged products"), "none": gettext_lazy("No priority"),
    "newcomer": gettext_lazy("Newcomers (no booth in the last year)"),
    "repeat": gettext_lazy("Won a booth in the last year"),
    "kind_producer": gettext_lazy("Producers"), "kind_colony": gettext_lazy("Colonies"),
    "kind_cluster": gettext_lazy("Clusters"),
    "kind_job_leader": gettext_lazy("Job leaders"),
}
NOTES = {
    "repeat_winners_dominate": gettext_lazy("More than half the winners had a booth in the last year while newcomers "
                                     "wait: consider a larger rotation penalty."),
    "group_excluded": gettext_lazy("A group that applied won no booth."),
    "waiting_while_booths_empty": gettext_lazy("Some applicants wait while a booth stayed empty, because it did not "
                                        "fit their size or was not free."),
}


def _report(run: Any) -> dict[str, Any] | None:
    """The stored fairness report with its labels (codes are stored, so a report reads in either language)."""
    if run is None:
        return None
    return {
        "rows": [{"label": GROUPS.get(code, code), "applicants": a, "winners": w, "share_applicants": sa,
                  "share_winners": sw} for code, a, w, sa, sw in run.report.get("rows", [])],
        "notes": [NOTES.get(code, code) for code in run.report.get("notes", [])],
        "empty": run.report.get("empty", 0),
    }


def _page(request: HttpRequest, exhibition: Exhibition, status: int = 200, **forms: Any) -> HttpResponse:
    organiser = has_perm_on(request.user, Perm.MARKET_ORGANISE, exhibition)
    term = _term(request, exhibition)
    terms = services.terms_of(exhibition)
    options = _applicants_for(request.user)
    booths = selectors.booths_with_holders(exhibition=exhibition, term_start=term, user=request.user,
                                           organiser=organiser)
    run = selectors.run_of(exhibition=exhibition, term_start=term)
    return render(request, "market/exhibition_detail.html", {
        "exhibition": exhibition, "organiser": organiser, "term": term, "terms": terms, "booths": booths,
        "plan": {"columns": PLAN_COLUMNS, "rows": PLAN_ROWS},
        "applications": selectors.applications_of(exhibition=exhibition, term_start=term, user=request.user,
                                                  organiser=organiser),
        "run": run, "report": _report(run),
        "totals": selectors.exhibition_totals(exhibition=exhibition) if organiser else None,
        "visitors_form": forms.get("visitors_form") or (_visitors_form() if organiser else None),
        "rules": [(WEIGHT_LABELS[k], v) for k, v in exhibition.rules.items() if k in WEIGHT_LABELS],
        "booth_form": forms.get("booth_form") or (BoothForm() if organiser else None),
        "allocate_form": forms.get("allocate_form") or (TermForm(terms=terms, initial={"term_start": term.isoformat()})
                                                        if organiser and run is None else None),
        "apply_form": forms.get("apply_form") or (ApplicationForm(
            applicants=[(k, _label(v)) for k, v in options.items()], terms=terms,
            initial={"term_start": term.isoformat()}) if options else None),
    }, status=status)


@login_required
def exhibition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.exhibition_get(pk=pk))


def _organised(request: HttpRequest, pk: int) -> Exhibition:
    exhibition = selectors.exhibition_get(pk=pk)
    if not has_perm_on(request.user, Perm.MARKET_ORGANISE, exhibition):
        raise PermissionDenied
    return exhibition


@login_required
@require_POST
def booth_add(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = _organised(request, pk)
    form = BoothForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.booth_add, by=request.user, exhibition=exhibition, code=data["code"],
                       x=data["x"], y=data["y"], width=data["width"], depth=data["depth"], price=data["price"] or 0):
            messages.success(request, _("The booth was added."))
            return redirect("market:exhibition", pk=exhibition.pk)
    return _page(request, exhibition, status=400, booth_form=form)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = selectors.exhibition_get(pk=pk)
    options = _applicants_for(request.user)
    if not options:
        raise PermissionDenied
    terms = services.terms_of(exhibition)
    form = ApplicationForm(request.POST, applicants=[(k, _label(v)) for k, v in options.items()], terms=terms)
    if form.is_valid():
        data = form.cleaned_data
        term = datetime.date.fromisoformat(data["term_start"])
        if run_service(form, services.application_submit, by=request.user, exhibition=exhibition, term_start=term,
                       applicant=options[data["applicant"]], products=data["products"],
                       wants_size=data["wants_size"], free_only=data["free_only"]):
            messages.success(request, _("Your application was received; the decision comes by SMS."))
            return redirect(f"{exhibition_url(exhibition)}?term={term.isoformat()}")
    return _page(request, exhibition, status=400, apply_form=form)


@login_required
@require_POST
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = _organised(request, pk)
    terms = services.terms_of(exhibition)
    form = TermForm(request.POST, terms=terms)
    if form.is_valid():
        term = datetime.date.fromisoformat(form.cleaned_data["term_start"])
        if run_service(form, services.allocate, by=request.user, exhibition=exhibition, term_start=term):
            messages.success(request, _("The booths were allocated and every applicant was told by SMS."))
            return redirect(f"{exhibition_url(exhibition)}?term={term.isoformat()}")
    return _page(request, exhibition, status=400, allocate_form=form)


def exhibition_url(exhibition: Exhibition) -> str:
    from django.urls import reverse

    return reverse("market:exhibition", args=[exhibition.pk])


# --- Sales --------------------------------------------------------------------------------------------------

def _sellable(request: HttpRequest, pk: int) -> Any:
    """The seller's own booth (an allocated application), or 404 for anyone else's."""
    from ..models import Application

    application = Application.objects.select_related("exhibition", "booth", "producer__person", "unit").filter(
        pk=pk).first()
    if application is None or not services.may_sell(request.user, application):
        raise Http404
    return application


def _sale_form(application: Any, data: Any = None) -> Any:
    from mardom.production.models import ProducerProduct, Product

    from ..forms.exhibitions import SaleForm
    from ..services.sales import group_producers

    producers = [] if application.producer_id else group_producers(application)
    owners = [application.producer] if application.producer_id else producers
    made = ProducerProduct.objects.filter(producer__in=owners).values("product_id")
    products = list(Product.objects.filter(pk__in=made).order_by("name")) if owners else []
    return SaleForm(data, products=products, producers=producers)


def _booth_page(request: HttpRequest, application: Any, form: Any = None, status: int = 200) -> HttpResponse:
    from django.utils import timezone

    today = timezone.localdate()
    return render(request, "market/booth_sell.html", {
        "application": application, "form": form or _sale_form(application), "today": today,
        "day": selectors.booth_day(application=application, day=today),
        "open_today": application.term_start <= today <= services.sales.term_end(application),
    }, status=status)


@login_required
def booth_sell(request: HttpRequest, pk: int) -> HttpResponse:
    application = _sellable(request, pk)
    if request.method != "POST":
        return _booth_page(request, application)
    form = _sale_form(application, request.POST)
    if form.is_valid() and run_service(form, services.sale_record, by=request.user, application=application,
                                       lines=form.lines(), method=form.cleaned_data["method"],
                                       idempotency_key=form.cleaned_data["key"]):
        messages.success(request, _("The sale was recorded."))
        return redirect("market:booth", pk=application.pk)
    return _booth_page(request, application, form=form, status=400)


@login_required
@require_POST
def sale_cancel(request: HttpRequest, pk: int, sale: int) -> HttpResponse:
    import uuid

    from ..models import Sale

    application = _sellable(request, pk)
    row = Sale.objects.filter(pk=sale, application=application).first()
    if row is None:
        raise Http404
    try:
        services.sale_cancel(by=request.user, sale=row, idempotency_key=request.POST.get("key") or uuid.uuid4().hex)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The sale was cancelled."))
    return redirect("market:booth", pk=application.pk)


@login_required
def booth_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A booth's report for one day: the seller's own, or any booth for the exhibition's organisers."""
    from django.utils import timezone

    from mardom.core.jalali import parse_jalali

    from ..models import Application

    application = Application.objects.select_related("exhibition", "booth", "producer__person", "unit").filter(
        pk=pk, status=Application.Status.ALLOCATED).first()
    if application is None or not (services.may_sell(request.user, application) or has_perm_on(
            request.user, Perm.MARKET_ORGANISE, application.exhibition)):
        raise Http404
    try:
        day = parse_jalali(request.GET.get("day", "")) if request.GET.get("day") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return render(request, "market/booth_report.html", {
        "application": application, "day": day, "report": selectors.booth_day(application=application, day=day)})


@login_required
@require_POST
def visitors_record(request: HttpRequest, pk: int) -> HttpResponse:
    from ..forms.exhibitions import VisitorsForm

    exhibition = _organised(request, pk)
    form = VisitorsForm(request.POST)
    if form.is_valid() and run_service(form, services.visitors_record, by=request.user, exhibition=exhibition,
                                       day=form.cleaned_data["day"], visitors=form.cleaned_data["visitors"]):
        messages.success(request, _("The visitors were recorded."))
        return redirect("market:exhibition", pk=exhibition.pk)
    return _page(request, exhibition, status=400, visitors_form=form)
