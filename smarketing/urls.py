from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from smarketing import views
from smarketing.access import ANY_USER, public, require
from smarketing.api import views as api_views

accounts = [
    path(
        "login/",
        public(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/",
        require(ANY_USER)(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/done/",
        require(ANY_USER)(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/new/", views.api_token_create, name="api_token_create"),
    path("tokens/<str:token_key>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

# Redoc writes its styles into style elements as it draws (styled-components, no nonce to give
# it) and searches in a worker made from a blob: this one read-only page allows both.
REDOC_POLICY = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})

api = [
    path("me/", api_views.MeView.as_view(), name="me"),
    path("schema/", api_views.SchemaView.as_view(), name="schema"),
    path("docs/", api_views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", REDOC_POLICY(api_views.RedocView.as_view(url_name="api:schema")), name="redoc"),
    path("", include("leads.api.urls")),
    path("", include("leads.content.api.urls")),
    path("scoring/", include("leads.scoring.api.urls")),
    path("glossary/", include("leads.glossary.api.urls")),
    path("", include("leads.feedback.api.urls")),
    path("", include("personas.api.urls")),
    path("", include("journeys.api.urls")),
    path("", include("sla.api.urls")),
    path("", include("reports.api.urls")),
    # Last: every other URL under /api/ answers the API's 404, never a page or a redirect.
    re_path(r"^(?P<path>.*)$", api_views.not_found),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include(accounts)),
    path("admin/", admin.site.urls),
    path("api/", include((api, "api"))),
    path("", include("leads.urls")),
    path("scoring/", include("leads.scoring.urls")),
    path("glossary/", include("leads.glossary.urls")),
    path("feedback/", include("leads.feedback.urls")),
    path("", include("leads.content.urls")),
    path("", include("personas.urls")),
    path("", include("journeys.urls")),
    path("", include("sla.urls")),
    path("", include("reports.urls")),
]

handler403 = "smarketing.errors.permission_denied"
handler400 = "smarketing.errors.bad_request"
handler404 = "smarketing.errors.page_not_found"
handler500 = "smarketing.errors.server_error"
