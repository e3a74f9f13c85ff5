"""One error shape for the whole API: ``{"errors": {"field": ["message", ...]}}``.

Errors that concern no single field (authentication, permission, not found, throttling) are
reported under ``"detail"``; validation errors across fields under ``"non_field_errors"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from rest_framework import exceptions, serializers, status
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


class ErrorSerializer(serializers.Serializer):
    """Every error of the API: messages by field, or under ``detail`` when no field applies."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class Conflict(exceptions.ValidationError):
    """A well-formed request the current state refuses (a stage move): 409, field-error shape."""

    status_code = status.HTTP_409_CONFLICT


@contextmanager
def service_errors() -> Iterator[None]:
    """Report a service's ValidationError as the API's field errors (400)."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise exceptions.ValidationError(
                {
                    ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        raise exceptions.ValidationError({"non_field_errors": error.messages}) from error
