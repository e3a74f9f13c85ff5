"""The demo logins, for the login page of the embedded demo."""

from __future__ import annotations

from django import template

from smarketing.accounts import DEMO_PASSWORD
from smarketing.demo import demo_logins_shown

register = template.Library()


@register.simple_tag
def demo_logins() -> dict | None:
    """``{"usernames": [...], "password": ...}`` where demo users exist, else None."""
    usernames = demo_logins_shown()
    return {"usernames": usernames, "password": DEMO_PASSWORD} if usernames else None
