"""One check, run against every page with a national-ID field (people.lookup): a person filed outside the
actor's reach is not found and nothing of her is shown, the page is the same as for an ID nobody holds, the
SMS consent code lets her be used once, and wrong or spent codes change nothing."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import override

from mardom.conftest import next_national_id
from mardom.core.digits import to_latin_digits
from mardom.core.models import AuditEntry
from mardom.core.sms.backends import outbox
from mardom.people.lookup import NOT_IN_SCOPE
from mardom.people.models import Consent, ConsentChallenge

_TOKEN = re.compile(r'[A-Za-z0-9]{64}')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def page(response: Any, *ids: str) -> str:
    """The page without what legitimately differs between two requests: the CSRF token, request ids and the
    typed IDs."""
    html = _UUID.sub("uuid", _TOKEN.sub("token", response.content.decode()))
    for national_id in ids:
        html = html.replace(national_id, "ID")
    return html


def assert_same(far: str, none: str) -> None:
    """The two pages are identical; otherwise fail showing where they differ."""
    if far != none:
        diff = difflib.unified_diff(far.splitlines(), none.splitlines(), "other county", "nobody", lineterm="")
        raise AssertionError("\n".join(list(diff)[:40]))


def not_in_scope_message() -> str:
    with override("fa"):
        return str(NOT_IN_SCOPE)


def check_national_id_form(client: Any, capture: Any, *, actor: Any, url: str, data: Callable[[str], dict[str, Any]],
                           foreign: Any, made: Callable[[], Any], local: Any = None) -> None:
    """`data(national_id)`: the form's POST; `made()`: what the action writes (compared before and after);
    `foreign`: a person of another county; `local`, if given: one within reach, used last."""
    client.force_login(actor)
    nobody = next_national_id()
    before = made()
    outbox.clear()

    # Not found, and the answer is the very page an ID nobody holds gets.
    far, none = client.post(url, data(foreign.national_id)), client.post(url, data(nobody))
    assert far.status_code == none.status_code and far.status_code != 302
    assert_same(page(far, foreign.national_id), page(none, nobody))
    html = far.content.decode()
    assert not_in_scope_message() in html and 'data-test="consent-send"' in html
    for secret in (foreign.first_name, foreign.last_name, foreign.mobile, foreign.home_place.name):
        assert secret not in html
    assert made() == before

    # Asking for a code: the same answer either way; only her registered mobile gets a message.
    with capture(execute=True):
        far = client.post(url, {**data(foreign.national_id), "consent_send": "1"})
    with capture(execute=True):
        none = client.post(url, {**data(nobody), "consent_send": "1"})
    assert far.status_code == none.status_code
    assert_same(page(far, foreign.national_id), page(none, nobody))
    assert 'data-test="consent-sent"' in far.content.decode() and foreign.last_name not in far.content.decode()
    assert [sms.to for sms in outbox] == [foreign.mobile]
    code = re.search(r"\d{6}", to_latin_digits(outbox[0].text)).group(0)  # type: ignore[union-attr]
    assert ConsentChallenge.objects.filter(actor=actor).count() == 2 and made() == before

    # A wrong code, and any code for the ID nobody holds, are refused alike and change nothing.
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    far = client.post(url, {**data(foreign.national_id), "consent_code": wrong})
    none = client.post(url, {**data(nobody), "consent_code": code})
    assert far.status_code == none.status_code != 302
    assert_same(page(far, foreign.national_id), page(none, nobody))
    assert 'class="field invalid" data-field="consent_code"' in far.content.decode()
    assert foreign.last_name not in far.content.decode()
    assert made() == before and not Consent.objects.filter(actor=actor).exists()

    # The right code, typed by the person at the desk: the action is done once, the consent spent, audited.
    response = client.post(url, {**data(foreign.national_id), "consent_code": to_latin_digits(code)})
    assert response.status_code == 302, response.content.decode()
    assert made() != before
    consent = Consent.objects.get(actor=actor)
    assert consent.person_id == foreign.pk and consent.used_at is not None
    assert {"consent.request", "consent.grant", "consent.use"} <= set(
        AuditEntry.objects.filter(actor=actor).values_list("action", flat=True))
    after = made()

    # Once only: the same code again finds nothing.
    again = client.post(url, {**data(foreign.national_id), "consent_code": code})
    assert again.status_code != 302 and made() == after

    if local is not None:  # within reach, no code needed
        response = client.post(url, data(local.national_id))
        assert response.status_code == 302, response.content.decode()
        assert made() != after
