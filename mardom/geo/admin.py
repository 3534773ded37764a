"""Places in the admin: to look at, never to edit (they are the official divisions, loaded by a migration)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from mardom.core.text import search_key

from .models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "code", "county", "province"]
    list_filter = ["kind"]
    list_select_related = ["county", "province"]
    search_fields = ["name"]  # shows the search box; get_search_results does the matching
    ordering = ["id"]
    show_full_result_count = False  # counting 100k rows on every page view is wasted work
    readonly_fields = ["kind", "name", "search_key", "code", "parent", "province", "county"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Place], search_term: str
    ) -> tuple[QuerySet[Place], bool]:
        # Match names the way the picker does, so "قاين" (Arabic yeh) finds قاین; codes match as usual.
        term = search_term.strip()
        if not term:
            return queryset, False
        key = search_key(term)
        return queryset.filter(Q(code__startswith=term) | Q(search_key__contains=key)), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
