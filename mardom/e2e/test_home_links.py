"""Every link shown to a role opens for that role: for every demo login, the home page and every page linked
from it and from the menu are opened, and every internal link on them must answer 200 for that login.

The link checks go through `page.request` (it shares the browser's login cookies) rather than navigating, to
keep the walk fast. Forms (log out, language) are not links and are not followed; `/admin/` is the
superuser's own site and is left out; download links may answer 200 with a file.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect

from mardom.demo.builders import ADMIN_USERNAME, LOGINS

from .conftest import shot
from .test_foundation import login

SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/i18n/", "/logout/")
PER_SHAPE = 4  # links of one shape (the same path with other ids) checked per page level; bounds the walk


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def internal_links(html: str, base: str, origin: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found: list[str] = []
    for href in parser.hrefs:
        if href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(base, href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue  # another site (e.g. a label's public address configured elsewhere)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(SKIP_PREFIXES) or path in found:
            continue
        found.append(path)
    return found


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def bounded(paths: list[str], seen_shapes: dict[str, int]) -> list[str]:
    kept = []
    for path in paths:
        key = shape(path)
        if seen_shapes.get(key, 0) >= PER_SHAPE:
            continue
        seen_shapes[key] = seen_shapes.get(key, 0) + 1
        kept.append(path)
    return kept


# The section each role's home page must show in the demo.
EXPECTED = {
    "member": "home-funds", "manager": "home-decisions", "inspector": "home-lots", "institution": "home-inbox",
    "producer": "home-shop", "job_leader": "home-job-leaders", "guide": "home-clusters", "person": "my-file",
}
WHO = [(demo.key, demo.mobile) for demo in LOGINS] + [("admin", ADMIN_USERNAME)]


@pytest.mark.parametrize(("key", "identifier"), WHO, ids=[key for key, _ in WHO])
def test_every_link_on_a_roles_pages_opens_for_that_role(page: Page, demo_server: str, key: str,
                                                         identifier: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    login(page, identifier)
    expect(page.locator("h1")).to_be_visible()
    assert urlsplit(page.url).path == "/", page.url
    if key in EXPECTED:  # the role's own work is on her home page
        expect(page.locator(f"[data-test={EXPECTED[key]}]")).to_be_visible()
    shot(page, f"home-{key}-360")

    failures: list[str] = []
    statuses: dict[str, int] = {"/": 200}
    bodies: dict[str, str] = {}

    def fetch(path: str) -> int:
        if path not in statuses:
            response = page.request.get(path, max_redirects=5)
            statuses[path] = response.status
            kind = response.headers.get("content-type", "")
            if response.ok and kind.startswith("text/html"):
                bodies[path] = response.text()
        return statuses[path]

    shapes: dict[str, int] = {}
    first = bounded(internal_links(page.content(), page.url, demo_server), shapes)  # the home page and its menu
    for path in first:
        if fetch(path) != 200:
            failures.append(f"/ -> {path}: {statuses[path]}")
    shapes_second: dict[str, int] = {}
    for source in first:
        if source not in bodies:
            continue
        for path in bounded(internal_links(bodies[source], urljoin(demo_server, source), demo_server),
                            shapes_second):
            if fetch(path) != 200:
                failures.append(f"{source} -> {path}: {statuses[path]}")
    assert not failures, f"{key}: links that do not open for this role:\n" + "\n".join(failures)
    assert len(statuses) > 3, statuses  # the walk did reach something
