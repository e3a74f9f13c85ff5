"""The embedded demo: one user per role, and a believable history to look at."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User

from smarketing.accounts import DEMO_PASSWORD, DEMO_USERS, DemoUser, demo_users_ensure
from smarketing.roles import SALES_ROLES


def demo_load() -> list[DemoUser]:
    """Create what the demo needs that is missing. Safe to run again: the history of leads is
    loaded only into a database that has no leads yet."""
    from leads.content.demo import demo_content_load
    from leads.demo import demo_leads_load, demo_privacy_load
    from leads.scoring.demo import demo_scoring_load, demo_suggestions_load
    from personas.demo import demo_insights_load, demo_personas_load
    from personas.matching_demo import demo_persona_rules_load
    from reports.demo import demo_meetings_load
    from sla.demo import demo_sla_load

    users = demo_users_ensure()
    sellers = [demo.username for demo in DEMO_USERS if demo.role in SALES_ROLES]
    demo_leads_load(owners=list(User.objects.filter(username__in=sellers).order_by("username")))
    # The personas and their rules before the scoring, whose rescore gives every lead its
    # persona and journey stage.
    demo_personas_load(author=User.objects.filter(username="marketing").first())
    demo_persona_rules_load()
    demo_insights_load(
        users={user.username: user for user in User.objects.filter(username__in=sellers)},
        decider=User.objects.filter(username="marketing").first(),
    )
    demo_scoring_load(actor=User.objects.filter(username="admin").first())
    demo_suggestions_load(actor=User.objects.filter(username="admin").first())
    demo_content_load(
        owner=User.objects.filter(username="marketing").first(),
        senders=list(User.objects.filter(username__in=sellers)),
    )
    demo_sla_load(
        admin=User.objects.filter(username="admin").first(),
        marketer=User.objects.filter(username="marketing").first(),
        sales_manager=User.objects.filter(username="manager").first(),
        sellers=list(User.objects.filter(username__in=sellers)),
    )
    demo_meetings_load()
    demo_privacy_load(admin=User.objects.filter(username="admin").first())
    return users


def demo_logins_text(users: list[DemoUser]) -> str:
    lines = [f"  {user.username:<10} {user.role.label}" for user in users]
    return "\n".join([f"Demo logins (password: {DEMO_PASSWORD}):", *lines])


def demo_logins_shown() -> list[str]:
    """The demo logins the login page names: those of the demo users that exist, in the
    embedded demo only (never with DEBUG off, where demo users are never made)."""
    if not settings.DEMO_USERS_ALLOWED:
        return []
    names = [demo.username for demo in DEMO_USERS]
    existing = set(
        User.objects.filter(username__in=names, is_active=True).values_list("username", flat=True)
    )
    return [name for name in names if name in existing]
