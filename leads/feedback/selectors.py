"""Sales' feedback on the leads marketing hands over, read from the stage transitions.

A feedback is a person's decision on a lead: an MQL accepted (moved to SAL), or a lead rejected
with a reason code (recycled to nurture or disqualified). The transition is the record, so a
decision is counted once, in the transaction that made it, whichever page, list action, API
call or admin action made it. These reads group the decisions of a period by source, campaign
or persona, for marketing's side of the SLA page, the reports and the meeting screen."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet

from leads.models import SIDE_EXITS, Channel, Stage, StageTransition

ACCEPTED = Q(from_stage=Stage.MQL, to_stage=Stage.SAL, actor__isnull=False)
REJECTED = Q(rejection_reason__isnull=False)
# A rejection as the cohorts count it: a side exit with a reason code.
REJECTION = REJECTED & Q(to_stage__in=SIDE_EXITS)
# Each grouping: the lead's field it reads, and how a value of it is named.
GROUPS = {
    "source": "lead__original_channel",
    "campaign": "lead__campaign__name",
    "persona": "lead__persona__name",
}
GROUP_LABELS = {"source": "Source", "campaign": "Campaign", "persona": "Persona"}
REASONS_SHOWN = 3


def decisions(since: datetime, until: datetime | None = None) -> QuerySet[StageTransition]:
    """The decisions made in [since, until): acceptances and rejections with a reason code."""
    window = Q(at__gte=since) & (Q(at__lt=until) if until else Q())
    stages = Q(to_stage__in=(Stage.SAL, Stage.RECYCLED, Stage.DISQUALIFIED))
    return StageTransition.objects.filter(window & stages & (ACCEPTED | REJECTED))


@dataclass
class FeedbackGroup:
    """The decisions on the leads of one source, campaign or persona."""

    name: str
    accepted: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def accepted_percent(self) -> int | None:
        return round(100 * self.accepted / self.decided) if self.decided else None

    @property
    def top_reasons(self) -> list[tuple[str, int]]:
        return self.reasons.most_common(REASONS_SHOWN)


@dataclass(frozen=True)
class Feedback:
    """Sales' decisions of a period, grouped; ``reasons`` counts each reason over all groups."""

    by: str
    groups: list[FeedbackGroup]
    reasons: list[tuple[str, int]]

    @property
    def decided(self) -> int:
        return sum(group.decided for group in self.groups)


def feedback_by(by: str, *, since: datetime, until: datetime | None = None) -> Feedback:
    """The decisions of [since, until) by ``by`` (a key of ``GROUPS``), groups with the most
    rejections first. One grouped query over the period's decisions (``transition_stage_time``
    finds them by stage and time)."""
    rows = (
        decisions(since, until)
        .annotate(group=F(GROUPS[by]))
        .values("group", "rejection_reason__label")
        .annotate(count=Count("id"))
    )
    names = dict(Channel.choices) if by == "source" else {}
    groups: dict[str, FeedbackGroup] = defaultdict(lambda: FeedbackGroup(""))
    totals: Counter = Counter()
    for row in rows:
        name = names.get(row["group"], row["group"]) or "None"
        group = groups[name]
        group.name = name
        reason = row["rejection_reason__label"]
        if reason is None:
            group.accepted += row["count"]
        else:
            group.reasons[reason] += row["count"]
            totals[reason] += row["count"]
    ordered = sorted(groups.values(), key=lambda g: (-g.rejected, -g.decided, g.name))
    return Feedback(by=by, groups=ordered, reasons=totals.most_common())
