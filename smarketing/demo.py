"""The embedded demo: one user per role, and a believable history to look at."""

from __future__ import annotations

from smarketing.accounts import DEMO_PASSWORD, DemoUser, demo_users_ensure


def demo_load() -> list[DemoUser]:
    """Create what the demo needs that is missing. Safe to run again."""
    return demo_users_ensure()


def demo_logins_text(users: list[DemoUser]) -> str:
    lines = [f"  {user.username:<10} {user.role.label}" for user in users]
    return "\n".join([f"Demo logins (password: {DEMO_PASSWORD}):", *lines])
