"""The queue's countdown to a lead's next SLA due time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

from leads.selectors import NO_DUE

register = template.Library()

# Due within this long: at risk (the SLA page's list uses the same hour).
AT_RISK_WITHIN = timedelta(hours=1)
KIND_LABELS = {"first_touch": "First touch", "touches": "Touches", "decision": "Decision"}


def _span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"


@register.inclusion_tag("leads/_due.html")
def sla_due(lead, now: datetime, oob: bool = False) -> dict:
    """The countdown cell of a queue row: what is due next, and in how long or how late
    (``oob``: swapped into the row's cell by the queue's poll)."""
    return {"lead": lead, "oob": oob, **_countdown(lead, now)}


def _countdown(lead, now: datetime) -> dict:
    due, kind = getattr(lead, "sla_due", NO_DUE), getattr(lead, "sla_due_kind", None)
    if due is None or due >= NO_DUE or kind is None:
        return {"state": "none", "text": "No SLA clock"}
    label = KIND_LABELS.get(kind, kind)
    if due <= now:
        return {
            "state": "overdue",
            "label": label,
            "text": f"{_span(now - due)} overdue",
            "due": due,
        }
    state = "at-risk" if due - now <= AT_RISK_WITHIN else "running"
    return {"state": state, "label": label, "text": f"in {_span(due - now)}", "due": due}
