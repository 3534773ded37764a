"""The API's HTML pages: a person's tokens (make one, revoke one) and the API's reference, rendered on the server
from the OpenAPI schema (no script: it reads on any phone and keeps the site's CSP)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mardom.core.forms_util import run_service

from . import selectors, services
from .forms import TokenForm


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    made = None
    if request.method == "POST" and form.is_valid():
        made = run_service(form, services.token_create, by=request.user, device=form.cleaned_data["device"],
                           scopes=form.cleaned_data["scopes"], days=form.cleaned_data["days"])
        if made:
            form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "tokens": selectors.tokens_of(user=request.user)[:50],
        "secret": made[1] if made else None, "made": made[0] if made else None,
    }, status=400 if request.method == "POST" and not made else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_of(user=request.user, pk=pk)
    services.token_revoke(by=request.user, token=token)
    messages.success(request, _("The token was revoked: the device it was on can no longer use it."))
    return redirect("api:tokens")


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            rows.append({"method": method.upper(), "path": path, "summary": op.get("description", ""),
                         "params": op.get("parameters", []), "body": body.get("$ref", "").rsplit("/", 1)[-1],
                         "responses": sorted(op.get("responses", {}))})
    return rows


def docs(request: HttpRequest) -> HttpResponse:
    """The reference: every operation with its parameters, body and answers, and the schemas' fields."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = [{"name": name, "fields": [{"name": f, "type": spec.get("type", spec.get("$ref", "").rsplit(
        "/", 1)[-1] or "object"), "help": spec.get("description", ""), "required": f in body.get("required", [])}
        for f, spec in body.get("properties", {}).items()]}
        for name, body in sorted(schema.get("components", {}).get("schemas", {}).items())]
    return render(request, "api/docs.html", {"operations": _operations(schema), "components": components,
                                             "info": schema.get("info", {})})
