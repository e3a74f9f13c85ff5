from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from knox.models import AuthToken
from knox.settings import knox_settings

from smarketing.access import ANY_USER, public, require, role_required
from smarketing.health import health_check
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES


@role_required(ALL_ROLES)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect("leads:board")


@public
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin's): the
    portal's icon is a static file with a versioned name, so they are sent there."""
    return redirect(static("favicon.svg"))


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = health_check()
    healthy = all(result.ok for result in results)
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {
                result.name: {"ok": result.ok, "detail": result.detail} for result in results
            },
        },
        status=200 if healthy else 503,
    )


def _api_tokens_page(request: AuthenticatedHttpRequest, new_token: str = "") -> HttpResponse:
    """The user's tokens, newest first, each with its expiry (an expired one is marked)."""
    tokens = AuthToken.objects.filter(user=request.user).order_by("-created")
    context = {
        "tokens": tokens,
        "new_token": new_token,
        "now": timezone.now(),
        "token_lifetime_days": knox_settings.TOKEN_TTL.days,
    }
    return render(request, "smarketing/api_tokens.html", context)


@require(ANY_USER)
@require_GET
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _api_tokens_page(request)


@require(ANY_USER)
@require_POST
def api_token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, token = AuthToken.objects.create(user=request.user)
    # The token is shown once: only its hash is stored.
    return _api_tokens_page(request, new_token=token)


@require(ANY_USER)
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_key: str) -> HttpResponse:
    token = get_object_or_404(AuthToken, user=request.user, token_key=token_key)
    token.delete()
    messages.success(request, f"Token {token_key}… revoked.")
    return redirect("api_tokens")
