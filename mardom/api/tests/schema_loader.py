"""The schema for schemathesis, as /api/schema/ serves it but generated in-process: serving it goes through the
API's throttle, whose counts live in the database cache, and the database is not open while pytest collects."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from django.core.wsgi import get_wsgi_application


def api_schema() -> Any:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()  # the calls go through the whole Django stack, middleware and all
    return loaded
