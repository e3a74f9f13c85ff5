from django.http import HttpResponse

from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES
from smarketing.views import not_yet_available


@role_required(ALL_ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Journeys",
        summary="The customer journey from awareness to retention, with the diagnostic questions for each stage.",
    )


@role_required(ALL_ROLES)
def content(request: AuthenticatedHttpRequest) -> HttpResponse:
    return not_yet_available(
        request,
        title="Content",
        summary="Sales enablement content mapped to journey stage and persona, rated by sales.",
    )
