"""Keyset pagination for every API list: a cursor on the primary key, never a COUNT (a national table holds
millions of rows; a page costs its own rows)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
