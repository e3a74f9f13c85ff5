"""Every response carries the security headers, and pages run only the portal's own code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# What the policy refuses in a page's markup: a script with no src, a style element, a style
# attribute, an event-handler attribute (onclick=…), a javascript: link.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


def _policy(response) -> dict[str, str]:
    directives = (
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return {name: value for name, value in directives}


def _assert_hardened(response) -> None:
    assert _policy(response) == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_login_page_sends_the_policy_and_the_headers(client):
    _assert_hardened(client.get(reverse("login")))


@pytest.mark.django_db
def test_pages_htmx_fragments_and_the_api_send_them_too(client_for, rep):
    client = client_for(rep)
    _assert_hardened(client.get(reverse("leads:board")))
    _assert_hardened(client.get(reverse("leads:board"), headers={"HX-Request": "true"}))
    _assert_hardened(client.get(reverse("api:me")))


@pytest.mark.django_db
def test_the_admin_sends_them(client_for, admin_user):
    _assert_hardened(client_for(admin_user).get(reverse("admin:index")))


@pytest.mark.django_db
def test_hsts_is_left_to_production(client):
    # The demo and development serve plain HTTP; production sets HSTS (check --deploy).
    assert "Strict-Transport-Security" not in client.get(reverse("login"))


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    # E-mails are read in mail clients, never served under the policy: they carry their style.
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "email" not in path.relative_to(TEMPLATES).parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in INLINE_CODE.finditer(line)
    ]
    assert not found, "Inline code the policy refuses:\n" + "\n".join(found)


@pytest.mark.django_db
def test_only_redoc_allows_inline_styles_and_swagger_loads_its_set_up_from_a_file(client_for, rep):
    client = client_for(rep)
    redoc = _policy(client.get(reverse("api:redoc")))
    assert redoc["style-src"] == "'self' 'unsafe-inline'"
    assert redoc["script-src"] == "'self'"
    assert redoc["worker-src"] == "'self' blob:"

    docs = client.get(reverse("api:docs"))
    assert _policy(docs) == POLICY
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
