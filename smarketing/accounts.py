"""Users and their roles: creating them, the demo users of the embedded default, and what a
login refused for too many failures answers."""

from __future__ import annotations

from dataclasses import dataclass

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from smarketing.roles import Role


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    first_name: str
    last_name: str


DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the local demo only.
DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, "Ada", "Admin"),
    DemoUser("marketing", Role.MARKETING, "Maya", "Marketer"),
    DemoUser("sales", Role.SALES, "Sam", "Seller"),
    DemoUser("manager", Role.SALES_MANAGER, "Morgan", "Manager"),
)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    validate: bool = True,
) -> User:
    """Create an active user holding one role. Admins also get the Django admin."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMIN,
    )
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=role.value))
    return user


def demo_users_ensure() -> list[DemoUser]:
    """Create the demo users that do not exist yet; refused outside the embedded demo."""
    if not settings.DEMO_USERS_ALLOWED:
        raise ImproperlyConfigured("Demo users are never created when DEBUG is off.")
    for demo in DEMO_USERS:
        if not User.objects.filter(username=demo.username).exists():
            user_create(
                username=demo.username,
                role=demo.role,
                password=DEMO_PASSWORD,
                email=f"{demo.username}@demo.smarketing.local",
                first_name=demo.first_name,
                last_name=demo.last_name,
                validate=False,
            )
    return list(DEMO_USERS)


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as login throttling counts it.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, the address the outermost of them saw
    (that many entries from the right of ``X-Forwarded-For``; entries further left are the
    client's own say and could be forged). Without proxies, or on a request that did not pass
    through all of them, the connection's own address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a login refused for too many failures answers (429), saying when to try again.

    Every refused attempt starts the cool-off anew, so the wait is counted from now.
    """
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60)
    context = {"minutes": minutes, "retry_at": timezone.localtime() + cool_off}
    locked = render(request, "registration/locked_out.html", context, status=429)
    locked["Retry-After"] = str(int(cool_off.total_seconds()))
    return locked
