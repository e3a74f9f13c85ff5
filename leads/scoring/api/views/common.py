"""What the scoring API views share: access (everyone reads, the admin role writes), the
error responses of the schema, and the refusal to change anything but a draft."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
)
from rest_framework.generics import GenericAPIView

from leads.scoring import editing
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import Conflict, ErrorSerializer
from smarketing.roles import ALL_ROLES, Role

READ = roles(ALL_ROLES)
ADMIN = roles(Role.ADMIN)

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such lead, model, rule or criteria.")
INVALID = OpenApiResponse(ErrorSerializer, description="Field errors, each naming the rule.")
NOT_A_DRAFT = OpenApiResponse(
    ErrorSerializer, description="The version is active or archived: only a draft is changed."
)
NOT_A_DRAFT_EXAMPLE = OpenApiExample(
    "Not a draft",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": {
            "detail": ["v3 is active: only a draft can be changed. Clone it to make a new draft."]
        }
    },
)
RULE_REFUSED_EXAMPLE = OpenApiExample(
    "A refused rule",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": {
            "value": [
                "Rule 3 (seniority is one of): each value 'ceo' is not a choice of seniority "
                "(choices: c_level, director, entry, manager, owner, senior, vp)."
            ]
        }
    },
)


class ScoringView(WriteAccessMixin, GenericAPIView):
    """Read for every role, write for the admin; no filters or pages (the sets are small)."""

    access = READ
    write_access = ADMIN
    filter_backends: list = []
    pagination_class = None


class ScoringActionView(GenericAPIView):
    access = ADMIN
    filter_backends: list = []
    pagination_class = None


def not_a_draft(refusal: editing.NotADraft) -> Conflict:
    return Conflict({"detail": [str(refusal)]})
