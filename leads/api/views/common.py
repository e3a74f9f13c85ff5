"""What the API views of the leads app share: who may call them and the error responses
named in the schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from smarketing.access import roles
from smarketing.api.errors import ErrorSerializer
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

READ = roles(ALL_ROLES)
INTEGRATIONS = roles(MARKETING_ROLES, Role.ADMIN)

ERROR = ErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="No such lead or company.")
FORBIDDEN = OpenApiResponse(
    ERROR, description="The caller's role may not make this change to this lead; says why."
)
INVALID = OpenApiResponse(ERROR, description="Field errors.")
