"""Every page sends the Content-Security-Policy and satisfies it (no inline script, no on*= handler);
signed-in pages are `Cache-Control: private, no-store`."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mardom.people.models import User


class _InlineScriptFinder(HTMLParser):
    """Collects what a `script-src 'self'` policy would block: inline scripts, event-handler attributes and
    javascript: URLs."""

    DATA_TYPES = ("application/json", "application/ld+json", "text/template")

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            self._in_inline_script = not named.get("src") and named.get("type") not in self.DATA_TYPES

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")


def inline_script_problems(html: str) -> list[str]:
    finder = _InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def test_the_finder_finds_what_the_policy_blocks():
    assert inline_script_problems('<script>alert(1)</script>')
    assert inline_script_problems('<button onclick="x()">')
    assert inline_script_problems('<a href=" JavaScript:x()">')
    assert not inline_script_problems('<script src="/static/a.js"></script><script type="application/json">{}'
                                      '</script><button hx-get="/x" data-on="1">')


def test_the_policy_allows_no_inline_script():
    policy = dict(part.strip().split(" ", 1) for part in settings.MARDOM_CSP.split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def _parameterless_pages() -> list[str]:
    urls = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p, route)
            elif isinstance(p, URLPattern) and "<" not in route and not route.startswith(("admin", "i18n")):
                urls.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver(), "")
    return sorted(set(urls))


def _check(response, url: str) -> None:
    assert response["Content-Security-Policy"] == settings.MARDOM_CSP, url
    if "html" in response.get("Content-Type", ""):
        assert inline_script_problems(response.content.decode()) == [], url


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root-csp", password="a-Long-pass-123")


def test_every_page_a_signed_in_person_opens_has_the_policy_and_is_not_stored(qaenat_world, superuser):
    w = qaenat_world
    checked = 0
    pages = [*_parameterless_pages(), reverse("people:detail", args=[w.person.pk]), "/admin/", "/no-such-page/"]
    for user in (superuser, w.officer):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code < 500, url
            _check(response, url)
            if "public" not in response.get("Cache-Control", ""):
                directives = set(re.split(r"\s*,\s*", response["Cache-Control"]))
                assert {"private", "no-store"} <= directives, (url, response["Cache-Control"])
            checked += response.status_code == 200
    assert checked > 40  # a real sample, not a handful of redirects


def test_anonymous_pages_have_the_policy_too(client, db):
    for url in ["/login/", reverse("shop:catalogue"), "/no-such-page/", "/p/"]:
        response = client.get(url)
        assert response.status_code < 500, url
        _check(response, url)


def test_an_error_page_has_the_policy(client, db):
    response = Client(raise_request_exception=False).get("/brands/99999999999999999999/logo/")
    assert response.status_code == 404 and response["Content-Security-Policy"] == settings.MARDOM_CSP
