from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from smarketing.keyset import keyset_page


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(pagination.BasePagination):
    """Pages of ``{"next": url-or-null, "results": [...]}`` that never count the table.

    The view names its orders in ``keyset_orders`` (``{"score": ("-total_score", "-id")}``,
    the first being the default, each ending in a unique field), and may name in
    ``keyset_splits`` the orders read one slice per value of a column (see ``keyset_page``);
    the client picks one with ``sort`` and follows ``next``, which carries the cursor of the
    last row shown.
    """

    cursor_query_param = "cursor"
    sort_query_param = "sort"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None) -> list:
        orders: dict[str, tuple[str, ...]] = view.keyset_orders
        sort = request.query_params.get(self.sort_query_param) or next(iter(orders))
        if sort not in orders:
            raise ValidationError(
                {self.sort_query_param: [f"Sort by one of: {', '.join(orders)}."]}
            )
        try:
            page = keyset_page(
                queryset,
                order=orders[sort],
                cursor=request.query_params.get(self.cursor_query_param) or None,
                size=self.get_page_size(request),
                split=getattr(view, "keyset_splits", {}).get(sort),
            )
        except DjangoValidationError as error:
            raise ValidationError({self.cursor_query_param: error.messages}) from error
        self.request = request
        self.next_cursor = page.next_cursor
        return page.items

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                    "example": "https://crm.example.com/api/leads/?cursor=WzcyLCA0MTJd",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.sort_query_param,
                "required": False,
                "in": "query",
                "description": "The order of the rows (the first is the default).",
                "schema": {"type": "string", "enum": list(view.keyset_orders)},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from the previous page's `next`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
