from django.http import HttpResponse

from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, SALES_ROLES, Role
from smarketing.views import not_yet_available


@role_required(ALL_ROLES)
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Pipeline",
        summary="The shared pipeline board: a column per lifecycle stage.",
    )


@role_required(ALL_ROLES)
def lead_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Leads",
        summary="Every lead, searchable and filterable, with bulk actions.",
    )


@role_required(SALES_ROLES, Role.ADMIN)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="My queue",
        summary="Your open MQLs, ordered by SLA due time and score.",
    )
