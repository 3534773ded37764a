"""Browser tests: Playwright driving Debian's Chromium against a live server holding the demo data.

The server runs for the whole session on the test database with the demo data loaded once (the demo is
what a newcomer sees, so it is what the browser tests walk through). These tests run in their own pytest
invocation (`make test` runs `-m browser` separately) because the demo data they commit would disturb the
row counts other tests rely on.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import connections
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("MARDOM_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from such a thread
# unless told that this is deliberate (the ORM is only used by fixtures here, never concurrently).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_modify_db_settings: None,
                    django_db_blocker: Any) -> Iterator[None]:
    """pytest-django creates test databases only for tests that ask for `db`; these tests share one
    database for the whole session instead, so create it here (one per xdist worker: the name gets the
    worker's suffix through `django_db_modify_db_settings`)."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        _end_other_sessions()
        teardown_databases(config, verbosity=0)


def _end_other_sessions() -> None:
    """The live server answers each request in a daemon thread that keeps its database connection for reuse
    (CONN_MAX_AGE); one still serving a keep-alive connection of Chromium when the server stops is never
    joined, and PostgreSQL then refuses to drop the test database ("being accessed by other users", seen in CI
    on 2026-12-02). Those sessions are ended first; the tests are over by then."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def demo_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        call_command("demo", verbosity=0)
        # An in-memory SQLite database exists only in this connection: the server thread must share it.
        overrides = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
        for conn in overrides.values():
            conn.inc_thread_sharing()
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=overrides, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        for conn in overrides.values():
            conn.dec_thread_sharing()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, demo_server: str) -> Iterator[object]:
    context = browser.new_context(base_url=demo_server, viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  locale="en-US")  # an English phone still gets Persian
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded 2-core CI machine can be slow; waits end as soon as ready
    yield page
    context.close()


_TAKEN: list[Path] = []


def shot(page: object, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screenshots/ for a reviewer to look at."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    _TAKEN.append(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
    return path


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Point the reviewer at the screenshots the browser tests took."""
    if _TAKEN:
        names = ", ".join(sorted({path.name for path in _TAKEN}))
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"Screenshots ({len(set(_TAKEN))}) in {ARTIFACTS / 'screenshots'}: {names}"
        )
