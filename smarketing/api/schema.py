"""The OpenAPI schema's account of the errors every operation can answer.

The views name the errors particular to them (a refused stage move, the field errors of a
write); the errors any request can meet are added here, to every operation that can meet them,
so that the schema lists every response the API gives.
"""

from __future__ import annotations

from django.conf import settings

from smarketing.api.parsers import MAX_DEPTH

# The component of ``smarketing.api.errors.ErrorSerializer``, which the views' errors name.
ERROR_COMPONENT = "Error"


def _limits() -> str:
    return (
        f"Request bodies are JSON or forms of at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} "
        "bytes (413 beyond). Text may not hold the NUL character, whole numbers must fit in "
        f"64 bits, numbers must be finite and JSON may nest at most {MAX_DEPTH} deep: the API "
        "answers 400 otherwise, in its error shape, as it does for any error."
    )


# Status, description, and whether it applies to an operation (given it).
_COMMON_ERRORS = (
    ("400", "The request is refused: field errors, or what is wrong with it as a whole.", None),
    ("401", "No valid token or session.", None),
    ("403", "The caller's role does not allow this.", None),
    ("404", "No such resource.", lambda operation: _has_path_parameters(operation)),
    (
        "413",
        "The request body is too large.",
        lambda operation: "requestBody" in operation,
    ),
    (
        "415",
        "The request body is neither JSON nor a form.",
        lambda operation: "requestBody" in operation,
    ),
)


def _has_path_parameters(operation: dict) -> bool:
    return any(parameter.get("in") == "path" for parameter in operation.get("parameters", []))


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
        },
    }


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: the common errors on every operation, and the
    limits of what a request may hold in the schema's description."""
    result["info"]["description"] = f"{result['info'].get('description', '')}\n\n{_limits()}"
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description, applies in _COMMON_ERRORS:
                if code not in responses and (applies is None or applies(operation)):
                    responses[code] = _error_response(description)
    return result
