"""The OpenAPI schema's parts drf-spectacular cannot guess: the bearer tokens, and the problem+json answers
every operation may give (so schemathesis checks the errors' shape too)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "field", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "in Persian (or the Accept-Language asked)"},
        "field": {"type": "string", "nullable": True},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string", "nullable": True}, "detail": {"type": "string"}}}},
    },
}
ERRORS = {
    "400": "Bad input, or no Idempotency-Key on a write",
    "401": "No token, or one expired or revoked",
    "403": "The token lacks the scope, or the user may not",
    "404": "Not found, or out of the user's reach",
    "409": "A request with this Idempotency-Key is still running",
    "413": "Too many commands in one batch",
    "422": "A rule refused it (the detail says which), or an Idempotency-Key reused for another request",
    "429": "Too many requests",
}
READ_ERRORS = ("400", "401", "403", "404", "429")


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "mardom.api.auth.BearerAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer",
                "description": "A personal token (mrd_…) or an institution client's OAuth2 access token "
                               "(client credentials at /api/oauth/token/)."}


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in result.get("paths", {}).values():
        for method, op in item.items():
            codes = READ_ERRORS if method == "get" else tuple(ERRORS)
            for code in codes:
                op.setdefault("responses", {}).setdefault(code, {"description": ERRORS[code], "content": ref})
    return result
