"""Checks every API request gets before its view: query parameters the API can take."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import ParseError

from smarketing.api.errors import json_error
from smarketing.api.parsers import check_form


def api_query_check(get_response: Callable[[HttpRequest], HttpResponse]):
    """Refuse (400, the API's error shape) query parameters under /api/ that no filter can
    take: the NUL character, which PostgreSQL cannot compare with any text. The request
    bodies get the same check from the API's parsers."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                check_form(request.GET)
            except ParseError as refusal:
                return json_error(400, str(refusal.detail))
        return get_response(request)

    return middleware
