"""Every API error as `application/problem+json` (RFC 9457): a Persian `detail`, the `field` it belongs beside
(or null), and all field errors in `errors`. A rule a service enforces (DomainError) is 422; bad input 400."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from mardom.core.errors import DomainError

PROBLEM = "application/problem+json"


class Problem(exceptions.APIException):
    """An API refusal with its own status and code (a missing Idempotency-Key, a key reused, a batch too big)."""

    def __init__(self, detail: str, *, status_code: int, code: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.field = field
        self.headers = headers or {}


def problem(*, status_code: int, code: str, detail: str, field: str | None = None,
            errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> Response:
    body = {"type": f"urn:mardom:problem:{code}", "title": code.replace("_", " "), "status": status_code,
            "detail": detail, "field": field,
            "errors": errors if errors is not None else [{"field": field, "detail": detail}]}
    return Response(body, status=status_code, content_type=PROBLEM, headers=headers)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested validation errors as a flat list of {field, detail} ("lines.0.quantity")."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": prefix or None, "detail": str(item)} for item in detail]
        out = []
        for i, item in enumerate(detail):
            out += _flatten(item, f"{prefix}.{i}".strip("."))
        return out
    return [{"field": prefix or None, "detail": str(detail)}]


def problem_for(exc: Exception) -> Response | None:
    """The problem response for an exception a request can cause, or None (a bug: let it be a 500)."""
    if isinstance(exc, DomainError):
        return problem(status_code=422, code="rule", detail=str(exc.message), field=exc.field)
    if isinstance(exc, Http404):
        return problem(status_code=404, code="not_found", detail=_("Not found, or not yours to see."))
    if isinstance(exc, PermissionDenied):
        return problem(status_code=403, code="forbidden", detail=_("You may not do this."))
    if isinstance(exc, Problem):
        return problem(status_code=exc.status_code, code=str(exc.default_code if not exc.get_codes() else
                                                               exc.get_codes()), detail=str(exc.detail),
                       field=exc.field, headers=exc.headers)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = errors[0] if errors else {"field": None, "detail": _("The input is not valid.")}
        return problem(status_code=400, code="invalid", detail=first["detail"], field=first["field"], errors=errors)
    if isinstance(exc, exceptions.Throttled):
        return problem(status_code=429, code="throttled", detail=_("Too many requests; wait a little and try again."),
                       headers={"Retry-After": str(int(exc.wait or 1))})
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return problem(status_code=401, code="unauthenticated", detail=str(exc.detail),
                       headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return problem(status_code=exc.status_code, code=str(code), detail=str(exc.detail))
    return None


def problem_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = problem_for(exc)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
