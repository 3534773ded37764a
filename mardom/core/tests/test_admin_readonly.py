import pytest
from django.contrib import admin

from mardom.core.admin import ReadOnlyAdmin
from mardom.core.models import AuditEntry
from mardom.orgs.models import Base, Institution, Linkage, OrgUnit, Referral, VolunteerGroup
from mardom.people.models import Person, RoleAssignment, User


@pytest.mark.parametrize("model", [AuditEntry, Person, User, RoleAssignment, OrgUnit, Base, VolunteerGroup,
                                   Institution, Linkage, Referral])
def test_domain_models_are_read_only_in_the_admin(model, rf):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ReadOnlyAdmin)
    request = rf.get("/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
def test_admin_pages_open_for_a_superuser(admin_client):
    for url in ["/admin/", "/admin/people/person/", "/admin/orgs/orgunit/", "/admin/core/auditentry/",
                "/admin/people/roleassignment/", "/admin/orgs/referral/"]:
        assert admin_client.get(url).status_code == 200, url
