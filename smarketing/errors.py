"""Error pages: HTML for pages, the API's JSON error shape under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from smarketing.api.errors import json_error


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_error(400, "Bad request.")
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return json_error(404, "Not found.")
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The reason a change was refused: for an HTMX request, as plain text the page shows in
    its message (it swaps nothing in); otherwise the page."""
    if getattr(request, "htmx", False) and not _is_api(request):
        reason = str(exception) or "Your role does not allow this."
        return HttpResponse(reason, status=403, content_type="text/plain; charset=utf-8")
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error(500, "Server error. The failure has been logged.")
    return defaults.server_error(request)
