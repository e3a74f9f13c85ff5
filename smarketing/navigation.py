"""The main navigation, shown to each user as far as their roles reach."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.http import HttpRequest
from django.urls import resolve, reverse

from smarketing.roles import Role, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str


NAVIGATION = (
    NavItem("Pipeline", "leads:board", "kanban"),
    NavItem("Leads", "leads:list", "people"),
    NavItem("My queue", "leads:queue", "inbox"),
    NavItem("Personas", "personas:index", "person-badge"),
    NavItem("Journeys", "content:journey_map", "signpost-split"),
    NavItem("Content", "content:list", "journal-richtext"),
    NavItem("SLA & goals", "sla:index", "stopwatch"),
    NavItem("Reports", "reports:index", "bar-chart"),
    NavItem("Meeting", "reports:meeting", "easel"),
    NavItem("How we score", "scoring:how", "info-circle"),
    NavItem("Glossary", "glossary:index", "book"),
    NavItem("Scoring lab", "scoring:lab", "flask"),
)


@cache
def _resolved() -> list[tuple[NavItem, str, object]]:
    """Each item with its URL and the access its view declares (fixed for the process)."""
    resolved = []
    for item in NAVIGATION:
        url = reverse(item.url_name)
        resolved.append((item, url, getattr(resolve(url).func, "access", None)))
    return resolved


def navigation(request: HttpRequest) -> dict:
    """Context processor: the navigation items this user may open, and which is current."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    reachable = [
        (item, url)
        for item, url, access in _resolved()
        if access is not None and access.allows(user)
    ]
    # The longest address the path starts with is the current one: on /scoring/how/ that is
    # "How we score", not also the scoring lab at /scoring/.
    current = max(
        (url for _, url in reachable if request.path.startswith(url)), key=len, default=None
    )
    items = [{"item": item, "url": url, "current": url == current} for item, url in reachable]
    roles = user_roles(user)
    return {
        "navigation": items,
        "user_roles": sorted(role.label for role in roles),
        "show_admin_link": Role.ADMIN in roles,
    }
