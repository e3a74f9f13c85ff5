"""One error shape for the whole API: ``{"errors": {"field": ["message", ...]}}``.

Errors that concern no single field (authentication, permission, not found, throttling) are
reported under ``"detail"``; validation errors across fields under ``"non_field_errors"``.
"""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _as_field_errors(data) -> dict[str, list]:
    if isinstance(data, dict):
        return {
            field: messages if isinstance(messages, list | dict) else [messages]
            for field, messages in data.items()
        }
    if isinstance(data, list):
        return {"non_field_errors": data}
    return {"detail": [data]}


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": _as_field_errors(response.data)}
    else:
        detail = (
            response.data.get("detail", response.data)
            if isinstance(response.data, dict)
            else response.data
        )
        response.data = {"errors": {"detail": [detail]}}
    return response


def json_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"errors": {"detail": [message]}}, status=status)
