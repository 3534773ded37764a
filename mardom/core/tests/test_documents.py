"""Background documents (mardom.core.documents): the status flow, failures, the owner-only pages, the day-long
keep. The real kinds are tested with their apps (brands: the label sheet; funds: the member statement); here a
stand-in kind makes the flow visible step by step."""

from __future__ import annotations

import datetime
import sys
import types
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from mardom.core import documents
from mardom.core.models import AuditEntry, Document

FAKE = "mardom.core.tests._fake_builder"


@pytest.fixture
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """The label kind pointed at a builder the test controls (seen: progress values; fail: raise)."""
    state = types.SimpleNamespace(seen=[], fail=False, refuse=False)
    module = types.ModuleType(FAKE)

    def check(*, by: Any, params: dict[str, Any]) -> str:
        if state.refuse:
            raise Http404
        return "برگه آزمایشی"

    def build(*, owner: Any, params: dict[str, Any], progress: Any) -> tuple[bytes, str]:
        document = Document.objects.get(owner=owner, status="running")
        state.seen.append((document.status, document.progress))
        progress(50)
        state.seen.append((Document.objects.get(pk=document.pk).status, Document.objects.get(pk=document.pk).progress))
        if state.fail:
            raise RuntimeError("boom")
        return b"%PDF-1.7 fake", "fake.pdf"

    module.check, module.build = check, build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE, module)
    monkeypatch.setitem(documents.BUILDERS, Document.Kind.LABELS, FAKE)
    return state


@pytest.fixture
def owner(make_user: Any, make_person: Any, qaenat: Any) -> Any:
    return make_user(make_person(qaenat))


def test_a_document_goes_from_waiting_to_ready_with_progress(fake_kind, owner, client,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        doc = documents.document_request(by=owner, kind="labels", params={"lot": 1})
    assert doc.status == "queued" and doc.progress == 0 and not doc.file
    assert doc.expires_at - doc.created_at == datetime.timedelta(days=1)
    assert AuditEntry.objects.filter(action="document.request", object_id=str(doc.pk), actor=owner).count() == 1
    client.force_login(owner)
    page = client.get(reverse("document", args=[doc.pk])).content.decode()
    # Polls its own status part every 2 s, by htmx attributes only (no inline script under the CSP).
    assert 'hx-trigger="every 2s"' in page and reverse("document-status", args=[doc.pk]) in page
    assert "<script>" not in page and "onclick" not in page and 'data-test="document-download"' not in page
    assert client.get(reverse("document-download", args=[doc.pk])).status_code == 404  # not ready yet
    for callback in callbacks:
        callback()  # the task: the immediate backend runs it at once
    doc.refresh_from_db()
    assert fake_kind.seen == [("running", 5), ("running", 50)]
    assert doc.status == "done" and doc.progress == 100 and doc.filename == "fake.pdf"
    assert default_storage.exists(doc.file.name)
    part = client.get(reverse("document-status", args=[doc.pk])).content.decode()
    assert "every 2s" not in part and reverse("document-download", args=[doc.pk]) in part
    download = client.get(reverse("document-download", args=[doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 fake"
    assert download["Cache-Control"] == "private, no-store" and "attachment" in download["Content-Disposition"]
    # A finished document is not made again.
    assert documents.document_build(document_id=doc.pk) == "gone"


def test_a_failed_document_says_so_and_has_no_download(fake_kind, owner, client, django_capture_on_commit_callbacks):
    fake_kind.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(by=owner, kind="labels", params={})
    doc.refresh_from_db()
    assert doc.status == "failed" and not doc.file
    client.force_login(owner)
    page = client.get(reverse("document", args=[doc.pk])).content.decode()
    assert 'role="alert"' in page and "every 2s" not in page
    assert client.get(reverse("document-download", args=[doc.pk])).status_code == 404


def test_a_refused_document_is_not_written(fake_kind, owner):
    fake_kind.refuse = True
    with pytest.raises(Http404):
        documents.document_request(by=owner, kind="labels", params={})
    assert not Document.objects.exists() and not AuditEntry.objects.filter(action="document.request").exists()


def test_only_the_owner_sees_a_document(fake_kind, owner, make_user, make_person, birjand, qaenat, client,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(by=owner, kind="labels", params={})
    for other in (make_user(make_person(qaenat)), make_user(make_person(birjand), roles=[("county_officer", birjand)])):
        client.force_login(other)
        for name in ("document", "document-status", "document-download"):
            assert client.get(reverse(name, args=[doc.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("document", args=[doc.pk])).status_code == 302
    client.force_login(owner)
    assert client.get(reverse("document", args=[doc.pk + 1])).status_code == 404


def test_documents_are_removed_after_a_day(fake_kind, owner, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        old = documents.document_request(by=owner, kind="labels", params={})
    old.refresh_from_db()
    old_file = old.file.name
    assert old.status == "done" and default_storage.exists(old_file)
    Document.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        new = documents.document_request(by=owner, kind="labels", params={})
    new.refresh_from_db()
    assert new.status == "done"
    # The task of the second one already cleaned the first: its day was over.
    assert not Document.objects.filter(pk=old.pk).exists() and not default_storage.exists(old_file)
    client.force_login(owner)
    assert client.get(reverse("document-download", args=[old.pk])).status_code == 404
    assert client.get(reverse("document-download", args=[new.pk])).status_code == 200
    call_command("documents_clean", stdout=__import__("io").StringIO())
    assert Document.objects.filter(pk=new.pk).exists()
    assert documents.documents_clean(now=timezone.now() + datetime.timedelta(days=1, seconds=1)) == 1
    assert not Document.objects.exists() and not default_storage.exists(new.file.name)


def test_a_document_past_its_day_is_not_shown_even_before_it_is_removed(fake_kind, owner, client,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = documents.document_request(by=owner, kind="labels", params={})
    Document.objects.filter(pk=doc.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(owner)
    assert client.get(reverse("document-download", args=[doc.pk])).status_code == 404
