"""The admin is a window for system administrators, not a second way to change data: every change goes
through a service (permission check, invariants, audit record), so domain models are registered read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_repr", "scope_path"]
    list_filter = ["action"]
    list_select_related = ["actor"]
    search_fields = ["object_repr", "action"]
    date_hierarchy = "at"
