from django.http import HttpResponse

from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES
from smarketing.views import not_yet_available


@role_required(ALL_ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="SLA & goals",
        summary="The agreement between the teams, compliance per rep and team, breaches and shared goals.",
    )
