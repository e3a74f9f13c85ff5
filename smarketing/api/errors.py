"""One error shape for the whole API: ``{"errors": {"field": ["message", ...]}}``.

Errors that concern no single field (authentication, permission, not found, throttling) are
reported under ``"detail"``; validation errors across fields under ``"non_field_errors"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema_field
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


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        super().__init__(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
        )


def _as_api_exception(exc: Exception) -> Exception:
    """Django's refusals of a request body, as the API's own exceptions (413 and 400)."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, a malformed multipart body: the message says which.
        return exceptions.ParseError(str(exc))
    return exc


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
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


@extend_schema_field(
    {
        "type": "object",
        "description": "Messages by field. A nested object or list of objects has errors of "
        "its own, in this shape, by field (or by index).",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
            ]
        },
    }
)
class FieldErrorsField(serializers.DictField):
    pass


class ErrorSerializer(serializers.Serializer):
    """Every error of the API: messages by field, or under ``detail`` when no field applies."""

    errors = FieldErrorsField()


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
