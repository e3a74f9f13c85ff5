"""Checks every API request gets before its view: query parameters the API can take."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ValidationError

from smarketing.api.parsers import check_form


def api_query_check(get_response: Callable[[HttpRequest], HttpResponse]):
    """Refuse (400, naming them in the API's error shape) query parameters under /api/ that
    no filter can take: the NUL character, which PostgreSQL cannot compare with any text. The
    request bodies get the same check from the API's parsers."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                check_form(request.GET)
            except ValidationError as refusal:
                return JsonResponse({"errors": refusal.detail}, status=400)
        return get_response(request)

    return middleware
