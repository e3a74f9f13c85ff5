"""What a report is about: a period and the leads it counts (by source, campaign, persona,
team or owner), read from a page's query string or the API's parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Filters:
    """The leads a report counts: every lead unless narrowed. ``channels`` are the leads'
    original channels (their source)."""

    channels: tuple[str, ...] = ()
    campaign_id: int | None = None
    persona_id: int | None = None
    team_id: int | None = None
    owner_id: int | None = None

    def q(self, prefix: str = "") -> Q:
        """The condition on leads, on a model reached through ``prefix`` (``"lead__"``)."""
        condition = Q()
        if self.channels:
            condition &= Q(**{f"{prefix}original_channel__in": self.channels})
        if self.campaign_id is not None:
            condition &= Q(**{f"{prefix}campaign_id": self.campaign_id})
        if self.persona_id is not None:
            condition &= Q(**{f"{prefix}persona_id": self.persona_id})
        if self.owner_id is not None:
            condition &= Q(**{f"{prefix}owner_id": self.owner_id})
        if self.team_id is not None:
            members = apps.get_model("sla", "TeamMember").objects.filter(team_id=self.team_id)
            condition &= Q(**{f"{prefix}owner_id__in": members.values("user_id")})
        return condition

    @property
    def narrowed(self) -> bool:
        return self != Filters()


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in aware datetimes, from whole days in the portal's time zone."""

    start: datetime
    end: datetime
    label: str = field(default="", compare=False)

    @classmethod
    def days(cls, first: date, last: date, label: str = "") -> Period:
        """From the start of ``first`` to the end of ``last``, local time."""
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(first, time.min), zone)
        end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
        return cls(start, end, label)

    @property
    def last_day(self) -> date:
        """The period's last day, local time (``end`` is the start of the day after)."""
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.start - (self.end - self.start), self.start, "previous")


def leads(filters: Filters) -> QuerySet:
    return apps.get_model("leads", "Lead").objects.filter(filters.q())
