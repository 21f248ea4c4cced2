"""Default pagination: opaque cursors, stable under concurrent inserts (no OFFSET drift)."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "limit"
    max_page_size = 100
    # Newest first; a view whose model lacks created_at sets its own `ordering`.
    ordering = ("-created_at", "-id")
