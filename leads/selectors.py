"""Reads of the leads app: the board, the list, the lead and company pages, a rep's queue.

Every selector returns rows with what its page shows already joined or prefetched, so
templates never query. Costs stay flat with the table: columns and lists read an index in
order and stop after a page; unfiltered stage counts are cached (and counted from the table
while the cache's Redis is down: ``smarketing.cache``); filtered counts stop at ``COUNT_CAP``. The queue and the company page count exactly, from an index bounded by what
they count (a rep's MQLs, the unassigned MQLs, one company's leads), never by the table.

Numbers are shown with their thousands grouped by one function, humanize's ``intcomma``: in
templates as a filter, and here in ``StageCount.__str__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.db.models import Count, DateTimeField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from leads.models import (
    FUNNEL,
    SIDE_EXITS,
    Company,
    Event,
    Lead,
    Note,
    OwnerChange,
    RejectionReason,
    Stage,
    StageTransition,
    Touch,
)
from leads.permissions import Change, lead_change_check
from smarketing.keyset import KeysetPage, keyset_page
from smarketing.roles import Role, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from leads.lifecycle import StageChange

BOARD_STAGES = [*FUNNEL, *SIDE_EXITS]
COLUMN_SIZE = 15
COUNT_CAP = 10_000
# Up to this many committed stage changes adjust the cached stage counts one by one; more recount.
COUNT_ADJUST_LIMIT = 50
STAGE_COUNT_TTL = 300
TIMELINE_LIMIT = 200
QUEUE_PAGE_SIZE = 50
COMPANY_PAGE_SIZE = 50

SORTS = {
    "score": ("-total_score", "-id"),
    "created": ("-created_at", "-id"),
    "stage_changed": ("-stage_changed_at", "-id"),
}
# The score order across stages is read stage by stage from the board's indexes (one per
# filter, each leading with the filtered column and the stage) and merged, so that a rescore
# keeps no second set of score indexes up to date.
SPLITS = {"score": ("stage", Stage.values)}


def sorts(*, temperature: str | None = None) -> dict[str, tuple[str, ...]]:
    """The orders under the filters, led by the temperature when one is filtered.

    Temperature follows the score (every hot lead ranks above every warm one), which the
    planner cannot know: given a temperature and another filter, it walks the other filter's
    index in score order and steps over every hotter lead. With one temperature, ordering by
    it first is the same order, and only the temperature's index gives it. ``LeadFilter``
    filters the temperature as a range, so that the planner does not drop the column from the
    order as a constant.
    """
    if not temperature:
        return SORTS
    return {**SORTS, "score": ("temperature", *SORTS["score"])}


CARD_FIELDS = (
    "id", "email", "first_name", "last_name", "job_title", "stage", "stage_changed_at",
    "total_score", "fit_score", "engagement_score", "temperature", "grade", "created_at",
    "original_channel", "company__id", "company__name", "owner__id", "owner__username",
    "owner__first_name", "owner__last_name", "persona__id", "persona__name",
    # What deciding a card's moves reads (``leads.lifecycle.move_refusal``): its owner, above,
    # and its SQL checklist.
    "budget_confirmed", "authority_confirmed", "need_confirmed", "timeline_confirmed",
)  # fmt: skip


def leads_for_cards() -> QuerySet[Lead]:
    """Leads with what a card or a list row shows."""
    return Lead.objects.select_related("company", "owner", "persona").only(*CARD_FIELDS)


def leads_for_api() -> QuerySet[Lead]:
    """Leads with the company and owner their API representation shows, joined."""
    return Lead.objects.select_related("company", "owner")


# --- stage counts ------------------------------------------------------------------------------


def _count_key(stage: str) -> str:
    return f"leads:stage-count:{stage}"


def stage_counts_all() -> dict[str, int]:
    """Leads per stage over the whole table, cached; moves adjust the cache as they commit.

    An adjustment lost while Redis was down is not left standing: the cache deletes the counts
    it could not adjust once Redis answers again (``smarketing.cache``), and the counts are
    kept ``STAGE_COUNT_TTL`` seconds at most, which bounds how long another process can read
    them."""
    keys = [_count_key(stage) for stage in BOARD_STAGES]
    cached = cache.get_many(keys)
    if len(cached) == len(keys):
        return {stage: cached[_count_key(stage)] for stage in BOARD_STAGES}
    counts = dict.fromkeys(BOARD_STAGES, 0)
    counts.update(Lead.objects.values_list("stage").annotate(n=Count("id")).order_by())
    cache.set_many({_count_key(stage): counts[stage] for stage in BOARD_STAGES}, STAGE_COUNT_TTL)
    return counts


def stage_counts_changed(changes: Sequence[StageChange]) -> None:
    """Subscriber of the lifecycle: adjust the cached counts by the committed stage changes one
    by one, or recount when there are many."""
    if len(changes) > COUNT_ADJUST_LIMIT:
        stage_counts_invalidate()
        return
    for change in changes:
        moves = ((change.from_stage, -1), (change.to_stage, 1))
        for stage, delta in moves if change.from_stage else moves[1:]:
            # A stage that is not cached, or could not be reached, is counted afresh on the
            # next read.
            with suppress(ValueError):
                cache.incr(_count_key(stage), delta)


def stage_counts_invalidate() -> None:
    cache.delete_many([_count_key(stage) for stage in BOARD_STAGES])


@dataclass(frozen=True)
class StageCount:
    value: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{intcomma(self.value)}+" if self.capped else intcomma(self.value)


def capped_count(queryset: QuerySet) -> StageCount:
    """Count up to ``COUNT_CAP`` rows, so a broad filter over a million leads stays fast."""
    value = queryset[: COUNT_CAP + 1].count()
    return StageCount(min(value, COUNT_CAP), capped=value > COUNT_CAP)


def stage_counts(leads: QuerySet[Lead], *, filtered: bool) -> dict[str, StageCount]:
    if not filtered:
        return {stage: StageCount(n) for stage, n in stage_counts_all().items()}
    return {stage: capped_count(leads.filter(stage=stage)) for stage in BOARD_STAGES}


# --- board -------------------------------------------------------------------------------------


@dataclass
class Column:
    stage: Stage
    count: StageCount
    page: KeysetPage
    leads: list[Lead] = field(default_factory=list)


def board_column(
    leads: QuerySet[Lead], stage: str, *, cursor: str | None = None, orders: dict = SORTS
) -> KeysetPage:
    return keyset_page(
        leads.filter(stage=stage), order=orders["score"], cursor=cursor, size=COLUMN_SIZE
    )


def board_columns(leads: QuerySet[Lead], *, filtered: bool, orders: dict = SORTS) -> list[Column]:
    """A column per stage: its count and its top cards by score (``orders``: see ``sorts``)."""
    counts = stage_counts(leads, filtered=filtered)
    columns = []
    for stage in BOARD_STAGES:
        page = board_column(leads, stage, orders=orders)
        columns.append(Column(stage=Stage(stage), count=counts[stage], page=page, leads=page.items))
    return columns


# --- list --------------------------------------------------------------------------------------


def lead_list_total(
    leads: QuerySet[Lead], *, filtered: bool, stages: Sequence[str] | None = None
) -> StageCount:
    """How many leads the list holds: the cached stage counts, exact, when nothing but the
    stage narrows it (``stages``); otherwise counted up to ``COUNT_CAP``."""
    if not filtered:
        return StageCount(sum(stage_counts_all().values()))
    if stages:
        counts = stage_counts_all()
        return StageCount(sum(counts[stage] for stage in set(stages)))
    return capped_count(leads)


def lead_list_page(
    leads: QuerySet[Lead], *, sort: str, cursor: str | None, size: int = 50, orders: dict = SORTS
) -> KeysetPage:
    sort = sort if sort in orders else "score"
    return keyset_page(leads, order=orders[sort], cursor=cursor, size=size, split=SPLITS.get(sort))


# --- lead page ---------------------------------------------------------------------------------


def lead_get_for_user(
    user: AbstractBaseUser,
    pk: int,
    *,
    for_change: Change | None = None,
    leads: QuerySet[Lead] | None = None,
) -> Lead:
    """The lead ``pk`` as ``user`` may see it, read from ``leads`` (the joins its page or
    endpoint shows; by default the bare lead), for reading or for making ``for_change``.

    Every role reads every lead. Raises ``Http404`` for a lead that does not exist and
    ``PermissionDenied``, with the reason, when ``user`` may not make ``for_change`` on it
    (``leads.permissions``). Stage moves are the lifecycle's to judge (``lead_move_stage``).
    """
    try:
        lead = (leads if leads is not None else Lead.objects.all()).get(pk=pk)
    except Lead.DoesNotExist as missing:
        raise Http404("No such lead.") from missing
    if for_change is not None:
        lead_change_check(lead, user, [for_change])
    return lead


def leads_for_page() -> QuerySet[Lead]:
    """Leads with what the lead page shows beside the lead: its company, owner, campaign,
    persona and journey stage."""
    return Lead.objects.select_related("company", "owner", "campaign", "persona", "journey_stage")


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "event", "transition", "touch", "note" or "owner"
    at: object
    item: object


def lead_timeline(lead: Lead, *, limit: int = TIMELINE_LIMIT) -> list[TimelineItem]:
    """Events, stage transitions, touches, notes and changes of owner of a lead, newest
    first."""
    events = (
        Event.objects.filter(lead=lead).select_related("campaign").order_by("-occurred_at")[:limit]
    )
    transitions = (
        StageTransition.objects.filter(lead=lead)
        .select_related("actor", "rejection_reason")
        .order_by("-at")[:limit]
    )
    touches = Touch.objects.filter(lead=lead).select_related("by").order_by("-at")[:limit]
    notes = Note.objects.filter(lead=lead).select_related("author").order_by("-created_at")[:limit]
    owners = (
        OwnerChange.objects.filter(lead=lead)
        .select_related("from_owner", "to_owner", "actor")
        .order_by("-at")[:limit]
    )
    items = chain(
        (TimelineItem("owner", change.at, change) for change in owners),
        (TimelineItem("event", event.occurred_at, event) for event in events),
        (TimelineItem("transition", transition.at, transition) for transition in transitions),
        (TimelineItem("touch", touch.at, touch) for touch in touches),
        (TimelineItem("note", note.created_at, note) for note in notes),
    )
    return sorted(items, key=lambda entry: entry.at, reverse=True)[:limit]


# --- company page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySummary:
    leads: int
    engagement: int
    average_score: float
    events_30_days: int
    by_stage: dict[str, int]


def company_summary(company: Company) -> CompanySummary:
    """The company's leads taken together, exactly: how many, how engaged, where in the
    funnel, and their events of the last 30 days.

    Both queries cost what the company holds, not what the table holds. EXPLAIN at a million
    leads, on the largest company (1,669 leads): the counts and sums are one grouped pass over
    a bitmap scan of ``lead_company`` (3 ms); the events are read per lead from
    ``event_lead_time``, index-only (14 ms)."""
    rows = (
        Lead.objects.filter(company=company)
        .values_list("stage")
        .annotate(n=Count("id"), engagement=Sum("engagement_score"), total=Sum("total_score"))
        .order_by()
    )
    by_stage = {stage: (n, engagement, total) for stage, n, engagement, total in rows}
    leads = sum(n for n, _, _ in by_stage.values())
    since = timezone.now() - timedelta(days=30)
    recent = Event.objects.filter(lead__company=company, occurred_at__gte=since).count()
    return CompanySummary(
        leads=leads,
        engagement=sum(engagement for _, engagement, _ in by_stage.values()),
        average_score=round(sum(total for _, _, total in by_stage.values()) / leads, 1)
        if leads
        else 0,
        events_30_days=recent,
        by_stage={stage: by_stage[stage][0] for stage in BOARD_STAGES if stage in by_stage},
    )


COMPANY_ORDER = ("-total_score", "-id")


def company_leads_page(
    company: Company, *, cursor: str | None = None, size: int = COMPANY_PAGE_SIZE
) -> KeysetPage:
    """A page of the company's leads, best score first, after ``cursor``.

    The company's leads are found by ``lead_company`` and the page taken by a top-N sort, so
    a page costs what the company holds at any depth (5 ms for 1,669 leads at a million): an
    index in score order per company would be one more for a rescore to rebuild."""
    leads = leads_for_cards().filter(company=company)
    return keyset_page(leads, order=COMPANY_ORDER, cursor=cursor, size=size)


# --- my queue ----------------------------------------------------------------------------------


def rejection_reasons_offered() -> list[RejectionReason]:
    """The reason codes a rep chooses from when rejecting, in the admins' order."""
    return list(RejectionReason.objects.filter(active=True))


QUEUE_MINE = "mine"
QUEUE_UNASSIGNED = "unassigned"
QUEUE_TEAM = "team"
QUEUE_SECTIONS = (QUEUE_MINE, QUEUE_UNASSIGNED, QUEUE_TEAM)
# A lead without an open SLA clock sorts after every due time.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)
# The queue's order (DESIGN.md): the next SLA due time, then the score.
QUEUE_ORDER = ("sla_due", "-total_score", "-id")
QUEUE_STAGES = (Stage.MQL, Stage.SAL)


@dataclass(frozen=True)
class QueueSection:
    name: str
    count: StageCount
    page: KeysetPage


def _clock_model():
    # The SLA sits on top of leads; the queue reads its clocks without importing it.
    return apps.get_model("sla", "Clock")


def queue_leads() -> QuerySet[Lead]:
    """Leads as queue rows: a card's fields, with ``sla_due`` (the due time of the lead's next
    open SLA clock, ``NO_DUE`` without one) and ``sla_due_kind`` (that clock's kind).

    Each is a subquery on ``clock_lead`` (lead, kind) per row of the section, which is read
    whole and sorted: a section holds one rep's open leads, or the unowned MQLs."""
    # Open: running, or breached and still waiting for its touch or decision.
    running = (
        _clock_model()
        .objects.filter(lead=OuterRef("pk"), status__in=("running", "breached"))
        .order_by("due_at", "id")
    )
    return leads_for_cards().annotate(
        sla_due=Coalesce(
            Subquery(running.values("due_at")[:1]), Value(NO_DUE), output_field=DateTimeField()
        ),
        sla_due_kind=Subquery(running.values("kind")[:1]),
    )


def notifications_unread(user: AbstractBaseUser, limit: int = 5) -> tuple[list, int]:
    """The user's newest unread notifications (``sla.Notification``: MQLs routed to them,
    SLA clocks breached on their or their team's MQLs),
    and how many are unread."""
    unread = apps.get_model("sla", "Notification").objects.filter(user=user, read_at__isnull=True)
    newest = list(unread[:limit])
    return newest, (len(newest) if len(newest) < limit else unread.count())


def team_members_managed(user: AbstractBaseUser) -> list[int]:
    """The ids of the reps in the sales teams ``user`` manages (not ``user``), read once per
    request and kept on the user object."""
    cached = getattr(user, "_smarketing_team", None)
    if cached is None:
        member = apps.get_model("sla", "TeamMember")
        cached = sorted(
            member.objects.filter(team__manager=user, team__function="sales")
            .exclude(user=user)
            .values_list("user_id", flat=True)
            .distinct()
        )
        user._smarketing_team = cached
    return cached


def queue_sections_for(user: AbstractBaseUser) -> tuple[str, ...]:
    """The sections of ``user``'s queue: a manager of a sales team also sees the team's."""
    if user_roles(user) & {Role.SALES_MANAGER, Role.ADMIN} and team_members_managed(user):
        return QUEUE_SECTIONS
    return (QUEUE_MINE, QUEUE_UNASSIGNED)


def _queue_condition(user: AbstractBaseUser, section: str) -> Q:
    """The leads of one section of ``user``'s queue: their open MQLs and SALs, the MQLs
    nobody owns, or the open MQLs and SALs of the team they manage."""
    if section == QUEUE_MINE:
        return Q(owner=user, stage__in=QUEUE_STAGES)
    if section == QUEUE_UNASSIGNED:
        return Q(owner__isnull=True, stage=Stage.MQL)
    return Q(owner__in=team_members_managed(user), stage__in=QUEUE_STAGES)


def queue_counts(user: AbstractBaseUser) -> dict[str, StageCount]:
    """Each section's exact count, from an index alone.

    "owner_id = <rep> AND stage IN ('mql', 'sal')" and "owner_id IS NULL AND stage = 'mql'"
    are ranges of ``lead_owner_stage`` (owner, stage, score, id), so a count reads only the
    entries it counts, never the table."""
    return {
        section: StageCount(Lead.objects.filter(_queue_condition(user, section)).count())
        for section in queue_sections_for(user)
    }


def queue_page(
    user: AbstractBaseUser, section: str, *, cursor: str | None = None, size: int = QUEUE_PAGE_SIZE
) -> KeysetPage:
    """A page of one section after ``cursor``, soonest due first, then best score. Raises
    ValidationError for a broken cursor."""
    leads = queue_leads().filter(_queue_condition(user, section))
    return keyset_page(leads, order=QUEUE_ORDER, cursor=cursor, size=size)


def queue_for(
    user: AbstractBaseUser, *, cursors: dict[str, str | None] | None = None
) -> list[QueueSection]:
    """A rep's open MQLs and SALs, the MQLs nobody owns yet and, for a manager, the team's,
    each counted and paged (a section starts after its cursor in ``cursors``). Raises
    ValidationError for a broken cursor."""
    cursors = cursors or {}
    counts = queue_counts(user)
    return [
        QueueSection(section, count, queue_page(user, section, cursor=cursors.get(section)))
        for section, count in counts.items()
    ]


def queue_due(user: AbstractBaseUser, lead_ids: Sequence[int]) -> list[Lead]:
    """These leads' next SLA due times (for the queue's countdowns), as far as they are open
    MQLs or SALs."""
    return list(queue_leads().filter(pk__in=list(lead_ids)[:QUEUE_DUE_MAX], stage__in=QUEUE_STAGES))


# The most rows one countdown refresh reads: the queue shows fewer at once unless "load more"
# was pressed many times, and those beyond keep their last countdown.
QUEUE_DUE_MAX = 500


def queue_section_of(lead: Lead, user: AbstractBaseUser) -> str | None:
    """The section of ``user``'s queue that ``lead`` is in now, if any."""
    if lead.stage not in QUEUE_STAGES:
        return None
    if lead.owner_id is None:
        return QUEUE_UNASSIGNED if lead.stage == Stage.MQL else None
    if lead.owner_id == user.pk:
        return QUEUE_MINE
    if QUEUE_TEAM in queue_sections_for(user) and lead.owner_id in team_members_managed(user):
        return QUEUE_TEAM
    return None
