"""Finding a person by national ID within reach, and consent by one-time SMS code (people.consent)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from mardom.conftest import next_national_id
from mardom.core.digits import to_latin_digits
from mardom.core.errors import DomainError
from mardom.core.sms.backends import outbox
from mardom.people import consent as consents
from mardom.people.models import Consent, ConsentChallenge
from mardom.people.roles import Perm
from mardom.people.selectors import person_find_in_scope

NOW = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)
PURPOSE = "funds.join"


@pytest.fixture
def stranger(make_person, birjand):
    return make_person(birjand)


def _code_sent(capture, *, by, person, now=NOW):
    outbox.clear()
    with capture(execute=True):
        consents.consent_request(by=by, national_id=person.national_id, purpose=PURPOSE, now=now)
    assert [sms.to for sms in outbox] == [person.mobile]
    return re.search(r"\d{6}", to_latin_digits(outbox[0].text)).group(0)


def test_a_national_id_finds_only_people_within_reach(county_officer, birjand_officer, national_officer,
                                                      make_person, make_user, qaenat, birjand, base, stranger):
    near, in_base = make_person(qaenat), make_person(base)
    for person in (near, in_base):
        assert person_find_in_scope(user=county_officer, national_id=person.national_id,
                                    perm=Perm.PRODUCERS_MANAGE) == person
    assert person_find_in_scope(user=county_officer, national_id=stranger.national_id,
                                perm=Perm.PRODUCERS_MANAGE) is None
    assert person_find_in_scope(user=birjand_officer, national_id=stranger.national_id,
                                perm=Perm.PRODUCERS_MANAGE) == stranger
    assert person_find_in_scope(user=national_officer, national_id=stranger.national_id,
                                perm=Perm.PRODUCERS_MANAGE) == stranger
    # A role without the permission reaches nobody; the user always finds herself.
    assert person_find_in_scope(user=county_officer, national_id=near.national_id, perm=Perm.JOBS_RECORD) is None
    me = county_officer.person
    assert person_find_in_scope(user=county_officer, national_id=me.national_id, perm=Perm.JOBS_RECORD) == me


def test_a_code_for_an_unknown_id_is_written_alike_and_sends_nothing(django_capture_on_commit_callbacks,
                                                                     county_officer):
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        consents.consent_request(by=county_officer, national_id=next_national_id(), purpose=PURPOSE, now=NOW)
    assert outbox == [] and ConsentChallenge.objects.count() == 1
    challenge = ConsentChallenge.objects.get()
    assert challenge.person is None and len(challenge.code_hash) == 64


def test_the_code_is_stored_hashed_and_grants_one_consent(django_capture_on_commit_callbacks, county_officer,
                                                          stranger):
    code = _code_sent(django_capture_on_commit_callbacks, by=county_officer, person=stranger)
    challenge = ConsentChallenge.objects.get()
    assert code not in challenge.code_hash and code not in challenge.salt
    consent = consents.consent_grant(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE,
                                     code=code, now=NOW + datetime.timedelta(minutes=9))
    assert consent.person == stranger and consent.used_at is None
    assert consents.consent_open(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE,
                                 now=NOW + datetime.timedelta(minutes=10)) == consent
    assert consents.consent_open(by=county_officer, national_id=stranger.national_id, purpose="funds.transfer",
                                 now=NOW + datetime.timedelta(minutes=10)) is None
    with pytest.raises(DomainError):  # the code is spent
        consents.consent_grant(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE, code=code,
                               now=NOW + datetime.timedelta(minutes=9))
    consents.consent_use(by=county_officer, consent=consent, now=NOW + datetime.timedelta(minutes=11))
    with pytest.raises(DomainError):
        consents.consent_use(by=county_officer, consent=consent, now=NOW + datetime.timedelta(minutes=12))
    assert Consent.objects.get().used_at == NOW + datetime.timedelta(minutes=11)


def test_an_expired_code_is_refused(django_capture_on_commit_callbacks, county_officer, stranger):
    code = _code_sent(django_capture_on_commit_callbacks, by=county_officer, person=stranger)
    with pytest.raises(DomainError) as refused:
        consents.consent_grant(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE, code=code,
                               now=NOW + datetime.timedelta(minutes=10, seconds=1))
    assert refused.value.field == "consent_code" and not Consent.objects.exists()


def test_five_wrong_tries_close_the_code(django_capture_on_commit_callbacks, county_officer, stranger):
    code = _code_sent(django_capture_on_commit_callbacks, by=county_officer, person=stranger)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(DomainError):
            consents.consent_grant(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE, code=wrong,
                                   now=NOW)
    assert ConsentChallenge.objects.get().tries == 5
    with pytest.raises(DomainError):
        consents.consent_grant(by=county_officer, national_id=stranger.national_id, purpose=PURPOSE, code=code,
                               now=NOW)
    assert not Consent.objects.exists()


def test_another_actor_cannot_use_the_code(django_capture_on_commit_callbacks, county_officer, birjand_officer,
                                           stranger):
    code = _code_sent(django_capture_on_commit_callbacks, by=county_officer, person=stranger)
    with pytest.raises(DomainError):
        consents.consent_grant(by=birjand_officer, national_id=stranger.national_id, purpose=PURPOSE, code=code,
                               now=NOW)
    assert not Consent.objects.exists()


def test_codes_are_rate_limited_per_actor(county_officer, birjand_officer):
    for minute in range(5):
        consents.consent_request(by=county_officer, national_id=next_national_id(), purpose=PURPOSE,
                                 now=NOW + datetime.timedelta(minutes=minute))
    with pytest.raises(DomainError):
        consents.consent_request(by=county_officer, national_id=next_national_id(), purpose=PURPOSE,
                                 now=NOW + datetime.timedelta(minutes=6))
    assert ConsentChallenge.objects.count() == 5
    consents.consent_request(by=birjand_officer, national_id=next_national_id(), purpose=PURPOSE,
                             now=NOW + datetime.timedelta(minutes=6))  # another actor is not held back
    consents.consent_request(by=county_officer, national_id=next_national_id(), purpose=PURPOSE,
                             now=NOW + datetime.timedelta(hours=1, minutes=1))
    assert timezone.is_aware(ConsentChallenge.objects.latest("created_at").created_at)
