"""The sales feedback page: what sales decided on the leads marketing handed over, and why
they rejected the ones they did, by source, campaign or persona."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leads.feedback import selectors
from smarketing.access import ANY_USER, require
from smarketing.http import AuthenticatedHttpRequest

PERIODS = {"30": "Last 30 days", "90": "Last 90 days", "365": "Last 12 months"}
GROUPS_SHOWN = 50


@require(ANY_USER)
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """``by`` groups the decisions (source, campaign, persona); ``days`` is the period."""
    by = request.GET.get("by", "source")
    by = by if by in selectors.GROUPS else "source"
    days = request.GET.get("days", "30")
    days = days if days in PERIODS else "30"
    since = timezone.now() - timedelta(days=int(days))
    feedback = selectors.feedback_by(by, since=since)
    context = {
        "feedback": feedback,
        "groups": feedback.groups[:GROUPS_SHOWN],
        "by": by,
        "by_label": selectors.GROUP_LABELS[by],
        "group_choices": selectors.GROUP_LABELS,
        "days": days,
        "periods": PERIODS,
        "period_label": PERIODS[days],
        "since": since,
    }
    template = "feedback/index.html#results" if request.htmx else "feedback/index.html"
    return render(request, template, context)
