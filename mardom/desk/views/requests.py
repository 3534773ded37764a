"""Pages of requests: the desk's list, a new request for a person found by national ID, "my requests", one
request's page with its history, documents and the steps the viewer may take, the answer form (the
institution's officer, or the desk recording an answer received on paper or by phone) and the service levels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service
from mardom.core.paging import paginate
from mardom.orgs.models import Institution, OrgUnit
from mardom.people.roles import Perm
from mardom.people.selectors import person_find_in_scope

from ..forms.requests import (
    AnswerForm,
    AppealForm,
    DocumentForm,
    RequestFilterForm,
    RequestForm,
    RerouteForm,
    ServiceLevelForm,
    StepForm,
    WaitForm,
)
from ..models import ReceiverType, Request, RequestKind
from ..selectors import requests as selectors
from ..services import requests as services


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _reachable_institutions(units: list[OrgUnit]) -> Any:
    """Institutions of the provinces of the units a user makes requests for (every one for the nation)."""
    qs = Institution.objects.filter(is_active=True).select_related("parent")
    paths = {"/".join((u.path or "").split("/")[:3]) + "/" for u in units}
    if any(u.kind == OrgUnit.Kind.NATION for u in units):
        return qs.order_by("parent__name", "type", "name")
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return qs.filter(q).order_by("parent__name", "type", "name")


# --- the desk's list ---------------------------------------------------------------------------------------

@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.may_use_desk(user):
        raise PermissionDenied
    units = selectors.making_units(user=user)
    form = RequestFilterForm(request.GET, institutions=_reachable_institutions(units))
    data = form.cleaned_data if form.is_valid() else {}
    institution = data.get("institution")
    now = timezone.now()
    rows = selectors.desk_list(user=user, status=data.get("status", ""), kind=data.get("kind", ""),
                               institution_id=institution.pk if institution else None, light=data.get("light", ""),
                               query=data.get("q", ""), now=now)
    page = paginate(request, rows)
    page.object_list = selectors.with_lights(page.object_list, now=now)
    return render(request, "desk/request_list.html", {
        "form": form, "page": page, "can_set_levels": selectors.may_set_service_levels(user=user)})


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    """The person's own requests (anyone signed in with a person record)."""
    page = paginate(request, selectors.my_requests(user=request.user))
    page.object_list = selectors.with_lights(page.object_list)
    return render(request, "desk/request_mine.html", {"page": page, "has_person": bool(request.user.person_id)})


# --- a new request -----------------------------------------------------------------------------------------

@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = selectors.making_units(user=user)
    own = request.GET.get("own") == "1" or not units
    if own and not user.person_id:
        raise PermissionDenied
    if own:
        county = services.county_of(user.person.unit, user.person)
        institutions = selectors.institutions_for(county=county)
    else:
        institutions = _reachable_institutions(units)
    form = RequestForm(_post(request), units=units, institutions=institutions, own=own)
    suggestions: list[Institution] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = None if own else data["unit"]
        person = user.person if own else person_find_in_scope(
            user=user, national_id=data["national_id"], perm=Perm.DESK_REQUEST, unit=unit)
        if person is None:
            form.add_error("national_id", _("This person is not within your area."))
        elif "suggest" in request.POST or not data.get("institution"):
            county = services.county_of(unit or person.unit, person)
            suggestions = selectors.suggest_institutions(kind=data["kind"], county=county,
                                                         text=f"{data['subject']} {data.get('details', '')}")
            if not suggestions:
                form.add_error("institution", _("No institution was found for this kind of request; choose one."))
            elif "suggest" in request.POST:
                # The first suggestion is chosen in the form; the officer may choose another before saving.
                data = request.POST.copy()
                data["institution"] = str(suggestions[0].pk)
                form = RequestForm(data, units=units, institutions=institutions, own=own)
                form.is_valid()
            else:
                form.add_error("institution", _("Choose the institution the request goes to."))
        else:
            made = run_service(form, services.request_create, {"person": "national_id"}, by=user, person=person,
                               unit=unit, kind=data["kind"], subject=data["subject"], details=data["details"],
                               amount_asked=data["amount_asked"], institution=data["institution"])
            if made is not None:
                if "send" in request.POST:
                    run_service(form, services.request_submit, by=user, request=made)
                    if form.errors:
                        for error in form.non_field_errors():
                            messages.error(request, error)
                    else:
                        messages.success(request, _("The request was sent to %(to)s.") % {
                            "to": made.institution.name if made.institution else ""})
                else:
                    messages.success(request, _("The request was saved as a draft."))
                return redirect("desk:request", pk=made.pk)
    return render(request, "desk/request_form.html", {"form": form, "own": own, "suggestions": suggestions,
                                                      "amount_kinds": sorted(services.AMOUNT_KINDS)})


# --- one request -------------------------------------------------------------------------------------------

def _detail_context(request: HttpRequest, req: Request, **forms: Any) -> dict[str, Any]:
    user = request.user
    actions = selectors.actions_for(user=user, request=req)
    desk = actions.desk_records
    context: dict[str, Any] = {
        "r": req, "light": selectors.light_of(req, now=timezone.now()), "actions": actions,
        "steps": selectors.steps_of(req), "documents": selectors.documents_of(req),
        "refusal": services.refusal_words(req) if req.outcome == Request.Outcome.REFUSED else "",
        "step_form": forms.get("step_form") or StepForm(desk=desk),
        "wait_form": forms.get("wait_form") or WaitForm(desk=desk),
        "document_form": forms.get("document_form") or DocumentForm(),
        "appeal_form": forms.get("appeal_form") or AppealForm(),
        "reroute_form": forms.get("reroute_form") or (RerouteForm(institutions=selectors.institutions_for(
            county=req.county).exclude(pk=req.institution_id or 0)) if actions.reroute else None),
    }
    return context


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get(user=request.user, pk=pk)
    return render(request, "desk/request_detail.html", _detail_context(request, req))


_SIMPLE = {
    "submit": (services.request_submit, _("The request was sent to the institution.")),
    "receive": (services.request_receive, _("The request is marked as received.")),
    "review": (services.request_review, _("The review has started.")),
    "resume": (services.request_resume, _("The request is moving again.")),
    "close": (services.request_close, _("The request is closed.")),
    "withdraw": (services.request_withdraw, _("The request was withdrawn.")),
}
_RECORDED = {"receive", "review"}  # steps the desk may record on the institution's behalf


@login_required
@require_POST
def request_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on the request's page: the small forms (send, receive, review, wait, resume, close, withdraw,
    appeal, re-route). A refused step re-renders the page with the message beside the field."""
    user = request.user
    req = selectors.request_get(user=user, pk=pk)
    actions = selectors.actions_for(user=user, request=req)
    done: Any = None
    if action in _SIMPLE:
        service, message = _SIMPLE[action]
        form = StepForm(request.POST, desk=actions.desk_records and action in _RECORDED)
        if form.is_valid():
            kwargs: dict[str, Any] = {"note": form.cleaned_data.get("note", "")} if action != "submit" else {}
            if action in _RECORDED:
                kwargs.update(said_by=form.cleaned_data.get("said_by", ""),
                              channel=form.cleaned_data.get("channel", ""))
            done = run_service(form, service, by=user, request=req, **kwargs)
        context = {"step_form": form}
    elif action == "wait":
        form = WaitForm(request.POST, desk=actions.desk_records)
        message = _("The person was asked for what is missing; the clock stops meanwhile.")
        if form.is_valid():
            data = form.cleaned_data
            done = run_service(form, services.request_wait_on_person, by=user, request=req, note=data["note"],
                               said_by=data.get("said_by", ""), channel=data.get("channel", ""))
        context = {"wait_form": form}
    elif action == "appeal":
        form = AppealForm(request.POST)
        message = _("The appeal was sent to the institution.")
        if form.is_valid():
            done = run_service(form, services.request_appeal, by=user, request=req,
                               details=form.cleaned_data["details"])
        context = {"appeal_form": form}
    elif action == "reroute":
        form = RerouteForm(request.POST, institutions=selectors.institutions_for(county=req.county))
        message = _("The request was sent to the other institution.")
        if form.is_valid():
            done = run_service(form, services.request_reroute, by=user, request=req,
                               institution=form.cleaned_data["institution"], note=form.cleaned_data["note"])
        context = {"reroute_form": form}
    else:
        raise Http404
    if done is not None:
        messages.success(request, message)
        target = done if isinstance(done, Request) else req
        return redirect("desk:request", pk=target.pk)
    req = selectors.request_get(user=user, pk=pk)
    return render(request, "desk/request_detail.html", {**_detail_context(request, req, **context),
                                                        "failed": action}, status=400)


@login_required
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer: by the institution's own officer, or recorded by the desk (who said it, on paper or by phone)
    for an institution with no officer in Mardom."""
    user = request.user
    req = selectors.request_get(user=user, pk=pk)
    actions = selectors.actions_for(user=user, request=req)
    if not actions.receiver:
        raise PermissionDenied
    form = AnswerForm(_post(request), desk=actions.desk_records)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(form, services.request_answer, by=user, request=req, outcome=data["outcome"],
                           granted_amount=data["granted_amount"], refusal_reason=data["refusal_reason"],
                           refusal_text=data["refusal_text"], answer_text=data["answer_text"],
                           said_by=data.get("said_by", ""), channel=data.get("channel", ""))
        if done is not None:
            messages.success(request, _("The answer was recorded."))
            if not actions.desk_records and selectors.answers_requests(user=user):
                return redirect("desk:inbox")  # the officer goes back to what else waits for her
            return redirect("desk:request", pk=req.pk)
    return render(request, "desk/request_answer.html", {"r": req, "form": form, "actions": actions,
                                                        "light": selectors.light_of(req, now=timezone.now())},
                  status=400 if form.errors else 200)


# --- documents ---------------------------------------------------------------------------------------------

@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    req = selectors.request_get(user=user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(services.MAX_DOCUMENT_BYTES + 1)
        if run_service(form, services.request_document_add, by=user, request=req, name=upload.name or "",
                       data=data, title=form.cleaned_data["title"]):
            messages.success(request, _("The document was added."))
            return redirect("desk:request", pk=req.pk)
    return render(request, "desk/request_detail.html",
                  {**_detail_context(request, req, document_form=form), "failed": "document"}, status=400)


@login_required
def document_download(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    document = selectors.document_get(user=request.user, request_pk=pk, pk=doc)
    extension = services.EXTENSIONS[document.content_type][0]
    response = FileResponse(document.file.open("rb"), content_type=document.content_type, as_attachment=True,
                            filename=f"document-{document.pk}{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- service levels ----------------------------------------------------------------------------------------

@login_required
def service_levels(request: HttpRequest) -> HttpResponse:
    """The national officer sets how many working days each type of institution has for each kind of request."""
    user = request.user
    if not selectors.may_set_service_levels(user=user):
        raise PermissionDenied
    form = ServiceLevelForm(_post(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, services.service_level_set, by=user, receiver_type=data["receiver_type"],
                       kind=data["kind"], first_answer_days=data["first_answer_days"],
                       decision_days=data["decision_days"]):
            messages.success(request, _("The service level was saved."))
            return redirect("desk:service-levels")
    levels = {(lv.receiver_type, lv.kind): lv for lv in selectors.service_levels()}
    failed = (form.data.get("receiver_type"), form.data.get("kind")) if form.is_bound else None
    rows = []
    for receiver_type, type_label in ReceiverType.choices:
        for kind, kind_label in RequestKind.choices:
            level = levels.get((receiver_type, kind))
            first, decision = (level.first_answer_days, level.decision_days) if level else services.DEFAULT_LEVEL
            bound = form if failed == (receiver_type, kind) else ServiceLevelForm(initial={
                "receiver_type": receiver_type, "kind": kind, "first_answer_days": first, "decision_days": decision},
                auto_id=f"id_{receiver_type}_{kind}_%s")
            rows.append({"type": type_label, "kind": kind_label, "form": bound})
    return render(request, "desk/request_levels.html", {"rows": rows}, status=400 if form.errors else 200)
