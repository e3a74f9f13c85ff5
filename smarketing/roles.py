"""The five roles of the portal, the Django groups that carry them, and their permissions.

A role is a Django group of the same name. Views declare which roles may use them (see
``smarketing.access``); model permissions matter for the Django admin and are granted here.
"""

from __future__ import annotations

from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"
    SALES_MANAGER = "sales_manager"
    MARKETING_MANAGER = "marketing_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MARKETING: "Marketing",
    Role.SALES: "Sales",
    Role.SALES_MANAGER: "Sales manager",
    Role.MARKETING_MANAGER: "Marketing manager",
    Role.ADMIN: "Admin (revenue ops)",
}

ALL_ROLES = frozenset(Role)
SALES_ROLES = frozenset({Role.SALES, Role.SALES_MANAGER})
MARKETING_ROLES = frozenset({Role.MARKETING, Role.MARKETING_MANAGER})
MANAGER_ROLES = frozenset({Role.SALES_MANAGER, Role.MARKETING_MANAGER})

# Model permissions per role, as "app_label.codename" patterns. Patterns that match no
# permission yet (an app whose models arrive later) are simply skipped until they do.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ("*",),
    Role.MARKETING: (
        "leads.view_*",
        "leads.add_*",
        "leads.change_lead",
        "leads.change_company",
        "leads.change_campaign",
        "personas.*",
        "journeys.*",
        "sla.view_*",
        "reports.view_*",
    ),
    Role.MARKETING_MANAGER: (
        "leads.view_*",
        "leads.add_*",
        "leads.change_*",
        "personas.*",
        "journeys.*",
        "sla.*",
        "reports.*",
    ),
    Role.SALES: (
        "leads.view_*",
        "leads.add_touch",
        "leads.add_note",
        "leads.change_lead",
        "personas.view_*",
        "journeys.view_*",
        "sla.view_*",
        "reports.view_*",
    ),
    Role.SALES_MANAGER: (
        "leads.view_*",
        "leads.add_*",
        "leads.change_*",
        "personas.view_*",
        "journeys.view_*",
        "sla.*",
        "reports.*",
    ),
}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles of a user, read once per request and kept on the user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_smarketing_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        roles = {role for role in Role if role.value in names}
        if user.is_superuser:
            roles.add(Role.ADMIN)
        cached = frozenset(roles)
        user._smarketing_roles = cached
    return cached


def roles_sync(group_model, permission_model) -> None:
    """Create one group per role and give it exactly the permissions its patterns match.

    Takes the models as arguments so that data migrations can pass their historical ones.
    """
    permissions = list(permission_model.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        wanted = [
            permission
            for permission in permissions
            if any(
                fnmatchcase(f"{permission.content_type.app_label}.{permission.codename}", pattern)
                for pattern in patterns
            )
        ]
        group.permissions.set(wanted)
