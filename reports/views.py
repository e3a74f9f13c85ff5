from django.http import HttpResponse

from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES
from smarketing.views import not_yet_available


@role_required(ALL_ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Reports",
        summary="Funnel, conversion by source and campaign, lead quality, attribution and velocity.",
    )


@role_required(ALL_ROLES)
def meeting(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Meeting",
        summary="The weekly smarketing meeting screen: this week against last.",
    )
