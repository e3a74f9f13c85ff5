"""Who may use which view.

Every view declares its access: HTML views with ``role_required`` (or ``any_user`` /
``public``), API views with an ``access`` class attribute checked by ``HasRole``. The access
matrix test walks the URL configuration and fails on any view that declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.permissions import SAFE_METHODS, BasePermission

from smarketing.roles import Role, user_roles


@dataclass(frozen=True)
class Access:
    """What a view requires: a login, and (unless ``any_user``) one of ``roles``."""

    roles: frozenset[Role] = field(default_factory=frozenset)
    login: bool = True
    any_user: bool = False

    def allows(self, user) -> bool:
        if not self.login:
            return True
        if not (user.is_authenticated and user.is_active):
            return False
        return self.any_user or bool(self.roles & user_roles(user))


PUBLIC = Access(login=False)
ANY_USER = Access(any_user=True)


def roles(*allowed: Iterable[Role] | Role) -> Access:
    """An ``Access`` for the given roles or sets of roles: ``roles(SALES_ROLES, Role.ADMIN)``."""
    flat: set[Role] = set()
    for item in allowed:
        flat |= {item} if isinstance(item, Role) else set(item)
    return Access(roles=frozenset(flat))


ViewFunction = Callable[..., HttpResponse]


def require(access: Access) -> Callable[[ViewFunction], ViewFunction]:
    """Decorate an HTML view: anonymous users go to the login page, others without the role
    get a 403. HTMX requests are redirected as a whole page, not swapped into a fragment."""

    def decorator(view: ViewFunction) -> ViewFunction:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if access.login and not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(resolve_url("login"))
                return redirect_to_login(request.get_full_path())
            if not access.allows(request.user):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.access = access
        return wrapped

    return decorator


def role_required(*allowed: Iterable[Role] | Role) -> Callable[[ViewFunction], ViewFunction]:
    return require(roles(*allowed))


def public(view: ViewFunction) -> ViewFunction:
    view.access = PUBLIC
    return view


class HasRole(BasePermission):
    """DRF permission: the view's ``access`` attribute decides; a view without one is closed."""

    message = "Your role does not give access to this endpoint."

    def has_permission(self, request, view) -> bool:
        access = getattr(view, "access", None)
        return access is not None and access.allows(request.user)


class WriteAccessMixin:
    """For an API view whose writes need other roles than its reads: ``access`` is what reading
    needs (and what the access matrix checks with a GET); ``write_access`` what the rest need."""

    write_access: Access

    def check_permissions(self, request) -> None:
        if request.method not in SAFE_METHODS:
            self.access = self.write_access
        super().check_permissions(request)
