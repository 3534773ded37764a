"""The append-only audit log: written only inside a service's transaction, never rewritten, read by scope."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mardom.conftest import world_state
from mardom.core.audit import audit_record
from mardom.core.models import AuditEntry
from mardom.orgs import services as org_services


def test_audit_record_outside_a_transaction_raises():
    # No database here: the check must fire before any query is attempted.
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(by=None, action="test.outside")


@pytest.fixture
def entry(db, county_officer, qaenat):
    with transaction.atomic():
        return audit_record(by=county_officer, action="test.entry", obj=qaenat, scope_path=qaenat.path,
                            after={"x": 1})


def test_audit_record_fills_the_row(entry, county_officer, qaenat):
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor == county_officer
    assert (entry.object_type, entry.object_id, entry.object_repr) == ("orgs.orgunit", str(qaenat.pk), qaenat.name)
    assert entry.scope_path == qaenat.path
    assert entry.after == {"x": 1} and entry.before is None
    assert entry.at is not None


def test_an_entry_cannot_be_saved_again(entry):
    entry.action = "test.changed"
    with pytest.raises(TypeError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_a_copy_with_the_same_pk_cannot_overwrite(entry):
    with pytest.raises(TypeError):
        AuditEntry(pk=entry.pk, at=entry.at, action="test.forged").save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(TypeError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(action="test.changed"),
        lambda qs: qs.delete(),
        lambda qs: AuditEntry.objects.update(action="test.changed"),
        lambda qs: AuditEntry.objects.all().delete(),
        lambda qs: AuditEntry.objects.bulk_update([qs.get()], ["action"]),
    ],
    ids=["filter-update", "filter-delete", "manager-update", "all-delete", "bulk-update"],
)
def test_querysets_cannot_update_or_delete(entry, operation):
    with pytest.raises(TypeError), transaction.atomic():  # a savepoint: bulk_update's own atomic has none
        operation(AuditEntry.objects.filter(pk=entry.pk))
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_a_refused_service_leaves_no_audit_row(db, county_officer, qaenat, birjand_village):
    from mardom.core.errors import DomainError

    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        org_services.base_create(by=county_officer, county=qaenat, name="x", place=birjand_village)
    assert AuditEntry.objects.count() == before


# --- the audit page, by scope ----------------------------------------------------------------------------


def test_audit_page_shows_only_the_users_scope(client, qaenat_world, birjand_officer, birjand):
    birjand_base = org_services.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=None)
    client.force_login(birjand_officer)
    body = client.get(reverse("audit")).content.decode()
    assert birjand_base.name in body
    for qaenat_name in (qaenat_world.base.name, qaenat_world.group.name, qaenat_world.institution.name,
                        qaenat_world.person.full_name):
        assert qaenat_name not in body
    # filtering by action does not widen the scope
    body = client.get(reverse("audit"), {"action": "person.create"}).content.decode()
    assert qaenat_world.person.full_name not in body


def test_audit_page_of_the_county_and_of_the_province(client, qaenat_world, birjand_officer, birjand,
                                                      province_officer):
    birjand_base = org_services.base_create(by=birjand_officer, county=birjand, name="پایگاه بیرجند", place=None)
    client.force_login(qaenat_world.officer)
    body = client.get(reverse("audit")).content.decode()
    assert qaenat_world.base.name in body and birjand_base.name not in body
    client.force_login(province_officer)
    body = client.get(reverse("audit")).content.decode()
    assert qaenat_world.base.name in body and birjand_base.name in body


def test_audit_page_is_closed_to_users_without_audit_rights(client, plain_user, qaenat_world):
    client.force_login(plain_user)
    assert client.get(reverse("audit")).status_code == 403


def test_audit_page_queries_do_not_grow(client, county_officer, qaenat, django_assert_max_num_queries):
    client.force_login(county_officer)
    for i in range(5):
        org_services.base_create(by=county_officer, county=qaenat, name=f"پایگاه {i}", place=None)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("audit")).status_code == 200
    for i in range(5, 30):
        org_services.base_create(by=county_officer, county=qaenat, name=f"پایگاه {i}", place=None)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        client.get(reverse("audit"))


# --- the auditor reads everything in scope and changes nothing -------------------------------------------


def _auditor_gets(w):
    return [
        reverse("audit"), reverse("people:list"), reverse("people:detail", args=[w.person.pk]),
        reverse("orgs:base-list"), reverse("orgs:group-list"), reverse("orgs:institution-list"),
        reverse("orgs:detail", args=["bases", w.base.pk]), reverse("orgs:detail", args=["groups", w.group.pk]),
        reverse("orgs:detail", args=["institutions", w.institution.pk]),
    ]


def test_the_auditor_sees_the_county(client, qaenat_world, auditor):
    client.force_login(auditor)
    for url in _auditor_gets(qaenat_world):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(reverse("audit")).content.decode()
    assert qaenat_world.base.name in body


def _manage_posts(w):
    person = {"first_name": "x", "last_name": "y", "mobile": "09150000000", "gender": "male",
              "home_place": str(w.village.pk)}
    return [
        (reverse("people:create"), {**person, "national_id": "0000000000", "desk": str(w.county.pk)}),
        (reverse("people:edit", args=[w.person.pk]), person),
        (reverse("people:password", args=[w.person.pk]),
         {"password": "new-Pass-777x", "password_again": "new-Pass-777x"}),
        (reverse("people:role-grant", args=[w.person.pk]), {"role": "auditor", "unit": str(w.base.pk)}),
        (reverse("orgs:create", args=["bases"]), {"name": "پایگاه نو", "county": str(w.county.pk)}),
        (reverse("orgs:create", args=["groups"]),
         {"name": "گروه نو", "county": str(w.county.pk), "fields_of_work": ["health"], "member_count": "1"}),
        (reverse("orgs:create", args=["institutions"]),
         {"name": "نهاد نو", "county": str(w.county.pk), "type": "agency"}),
        (reverse("orgs:edit", args=["bases", w.base.pk]), {"name": "تغییر"}),
        (reverse("orgs:edit", args=["groups", w.group.pk]),
         {"name": "تغییر", "fields_of_work": ["health"], "member_count": "1"}),
        (reverse("orgs:edit", args=["institutions", w.institution.pk]), {"name": "تغییر", "type": "agency"}),
        (reverse("orgs:linkage-create", args=[w.base.pk]), {"group": str(w.free_group.pk)}),
        (reverse("orgs:referral-create", args=[w.base.pk]),
         {"from_unit": str(w.base.pk), "to_unit": str(w.institution.pk), "need": "loan", "subject": "x"}),
        (reverse("orgs:referral-status", args=[w.referral.pk]), {"status": "accepted"}),
    ]


def test_the_auditor_cannot_post_to_any_manage_view(client, qaenat_world, auditor):
    w = qaenat_world
    before = world_state(w)
    client.force_login(auditor)
    for url, data in _manage_posts(w):
        response = client.post(url, data)
        assert response.status_code == 403, url
    # Revoking looks the assignment up among those the user may revoke: for an auditor it does not exist.
    assert client.post(reverse("people:role-revoke", args=[w.assignment.pk])).status_code in (403, 404)
    assert world_state(w) == before


def test_the_auditor_gets_no_manage_forms(client, qaenat_world, auditor):
    client.force_login(auditor)
    body = client.get(reverse("orgs:detail", args=["bases", qaenat_world.base.pk])).content.decode()
    assert 'data-test="link-form"' not in body and 'data-test="referral-form"' not in body
    body = client.get(reverse("people:detail", args=[qaenat_world.person.pk])).content.decode()
    assert 'data-test="grant-form"' not in body
    assert client.get(reverse("orgs:create", args=["bases"])).status_code == 403
    assert client.get(reverse("people:create")).status_code == 403
