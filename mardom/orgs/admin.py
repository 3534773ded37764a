from django.contrib import admin

from mardom.core.admin import ReadOnlyAdmin

from .models import Base, Institution, Linkage, OrgUnit, Referral, VolunteerGroup


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "kind", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "path"]


for model in (Base, VolunteerGroup, Institution):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {
        "list_display": ["id", "name", "parent"], "list_select_related": ["parent"], "search_fields": ["name"],
    }))


@admin.register(Linkage)
class LinkageAdmin(ReadOnlyAdmin):
    list_display = ["base", "group", "created_at"]
    list_select_related = ["base", "group"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["from_unit", "to_unit", "need", "subject", "status", "created_at"]
    list_filter = ["status", "need"]
    list_select_related = ["from_unit", "to_unit"]
