from django.http import HttpResponse

from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES
from smarketing.views import not_yet_available


@role_required(ALL_ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Personas",
        summary="Buyer personas built from the twelve question groups, with the rules that match leads to each.",
    )
