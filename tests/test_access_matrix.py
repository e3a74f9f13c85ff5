"""The access matrix guard: every page and endpoint, requested as anonymous, as a user
without a role and as each role, answers as the roles its view declares.

A URL whose view declares no access fails this test, so every new page states who may use it.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from smarketing.access import Access
from smarketing.roles import Role

SAMPLE_VALUES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "uuid": str(uuid.uuid4()),
    "path": "x",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner.strip(":"))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _sample_kwargs(pattern: URLPattern) -> dict[str, str] | None:
    if isinstance(pattern.pattern, RoutePattern):
        return {
            name: SAMPLE_VALUES.get(type(converter).__name__.removesuffix("Converter").lower(), "1")
            for name, converter in pattern.pattern.converters.items()
        }
    if isinstance(pattern.pattern, RegexPattern):
        groups = pattern.pattern.regex.groupindex
        if "format" in groups:
            return None  # Format-suffix twins of routes already checked.
        return {name: "1" for name in groups}
    return {}


def _access_of(callback) -> Access | None:
    access = getattr(callback, "access", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if access is None and view_class is not None:
        access = getattr(view_class, "access", None)
    return access


def _endpoints():
    endpoints = []
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if namespace.split(":")[0] == "admin":
            continue  # The Django admin has its own guard, tested below.
        kwargs = _sample_kwargs(pattern)
        if kwargs is None or pattern.name is None:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        endpoints.append((name, route, pattern.callback, kwargs))
    return endpoints


ENDPOINTS = _endpoints()


def test_every_url_declares_who_may_use_it():
    undeclared = [route for _, route, callback, _ in ENDPOINTS if _access_of(callback) is None]
    assert undeclared == [], f"Views without an access declaration: {undeclared}"


def test_the_walk_finds_pages_and_api_endpoints():
    names = {name for name, *_ in ENDPOINTS}
    assert {"leads:board", "api:me", "api:schema", "api_tokens", "healthz"} <= names


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _check(client, url: str, allowed: bool, is_api: bool, who: str) -> str | None:
    response = client.get(url)
    denied = response.status_code in (401, 403) or _is_login_redirect(response)
    if allowed and denied:
        return f"{who} was refused {url} ({response.status_code})"
    if not allowed and not denied:
        return f"{who} reached {url} ({response.status_code})"
    if not allowed and who == "anonymous" and not is_api and not _is_login_redirect(response):
        return f"anonymous got {response.status_code} on {url}, not the login page"
    return None


@pytest.mark.django_db
def test_each_endpoint_answers_as_declared_for_every_role(
    client, client_for, users_by_role, outsider
):
    clients = {role: client_for(user) for role, user in users_by_role.items()}
    outsider_client = client_for(outsider)
    problems = []
    for name, _route, callback, kwargs in ENDPOINTS:
        access = _access_of(callback)
        url = reverse(name, kwargs=kwargs)
        is_api = url.startswith("/api/")
        problems.append(_check(client, url, not access.login, is_api, "anonymous"))
        problems.append(
            _check(outsider_client, url, access.allows(outsider), is_api, "a user without a role")
        )
        for role, role_client in clients.items():
            allowed = access.allows(users_by_role[role])
            problems.append(_check(role_client, url, allowed, is_api, role.value))
    assert [problem for problem in problems if problem] == []


@pytest.mark.django_db
def test_the_django_admin_is_for_the_admin_role_only(client_for, users_by_role, outsider):
    url = reverse("admin:index")
    for role, user in users_by_role.items():
        status = client_for(user).get(url).status_code
        assert (status == 200) == (role == Role.ADMIN), f"{role}: {status}"
    assert client_for(outsider).get(url).status_code == 302
