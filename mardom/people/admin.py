from django.contrib import admin

from mardom.core.admin import ReadOnlyAdmin

from .models import Person, RoleAssignment, User


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["national_id", "first_name", "last_name", "mobile", "unit"]
    list_select_related = ["unit"]
    search_fields = ["national_id", "mobile", "last_name"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "person", "is_active", "is_staff", "is_superuser", "last_login"]
    list_select_related = ["person"]
    search_fields = ["username"]
    exclude = ["password"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit", "granted_at", "confirmed_at", "revoked_at"]
    list_filter = ["role"]
    list_select_related = ["user", "user__person", "unit"]
