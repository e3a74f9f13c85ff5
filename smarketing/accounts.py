"""Users and their roles: creating them, and the demo users of the embedded default."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction

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
