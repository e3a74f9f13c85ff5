"""Models of the reports app: the weekly smarketing meeting's record — who came, what was
noted and decided, and the action items that come back to every meeting until they are done.

The figures the meeting looks at are computed from the leads' transitions, events, clocks and
feedback (``reports.funnel``, ``reports.quality``, ``reports.attribution``), never kept here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.safestring import mark_safe


class Theme(models.TextChoices):
    """The agenda's theme, by the week of the month the meeting falls in."""

    PERSONAS = "personas", "Persona development and shared insights"
    PROMOTIONS = "promotions", "Upcoming promotional deals"
    CUSTOMERS = "customers", "Customer expectations"
    STRATEGY = "strategy", "Sales and marketing strategy"


THEMES_BY_WEEK = (Theme.PERSONAS, Theme.PROMOTIONS, Theme.CUSTOMERS, Theme.STRATEGY)


class Meeting(models.Model):
    """One weekly meeting, held in the week that starts on ``week_of`` (a Monday)."""

    week_of = models.DateField(unique=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended"
    )
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_of"]

    def __str__(self) -> str:
        return f"Meeting of the week of {self.week_of:%-d %b %Y}"

    @property
    def theme(self) -> Theme:
        """Week 1 of the month (its days 1–7) looks at personas, week 2 at promotions, week 3 at
        customers, week 4 and any fifth at strategy — counted from the meeting's Monday."""
        return THEMES_BY_WEEK[min(3, (self.week_of.day - 1) // 7)]


class ActionItem(models.Model):
    """Something a person will do before a later meeting: raised at ``meeting``, shown at every
    meeting after it until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [
            models.Index(
                fields=["meeting"], condition=models.Q(done_at__isnull=True), name="action_open"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def done(self) -> bool:
        return self.done_at is not None


# --- the weekly digest -------------------------------------------------------------------------


class DigestOptOut(models.Model):
    """A user who asked not to receive the weekly digest e-mail; without a row, they do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_opt_out"
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} opted out of the weekly digest"


class DigestSend(models.Model):
    """The weekly digest of the meeting of the week of ``week_of`` (a Monday) to one user: one
    row each, claimed before it is sent, so it goes out once; a send the mail server refused is
    given back (``claimed_at`` cleared, the error kept) for the next run."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_sends"
    )
    week_of = models.DateField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week_of"], name="digest_send_once")]
        indexes = [
            models.Index(
                fields=["week_of"], condition=models.Q(sent_at__isnull=True), name="digest_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"Digest of {self.week_of:%-d %b %Y} to {self.user}"


# --- the weekly snapshots ----------------------------------------------------------------------


class WeekSnapshot(models.Model):
    """The figures of one closed week (``week_of`` is its Monday), frozen early the Monday
    after, so a meeting shows later what it showed then. Never changed but by a rebuild an
    admin asks for, which is recorded (who, when, how many times)."""

    week_of = models.DateField(unique=True)
    figures = models.JSONField()
    frozen_at = models.DateTimeField()
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    rebuilt_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    rebuilds = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-week_of"]

    def __str__(self) -> str:
        return f"Figures of the week of {self.week_of:%-d %b %Y}"


class ThemeSnapshot(models.Model):
    """The theme section of one week's meeting (``week_of`` is the meeting's Monday) as it
    read when it was frozen, early that Monday once the week under review was over: the
    meeting shows later what it showed then, and the projector does not wait on a month of
    history. Refreshed only when a manager or an admin asks, which is recorded."""

    week_of = models.DateField(unique=True)
    theme = models.CharField(max_length=20, choices=Theme.choices)
    # The section rendered from ``templates/reports/_theme_<theme>.html``, autoescaped.
    html = models.TextField()
    frozen_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refreshed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    refreshes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-week_of"]

    def __str__(self) -> str:
        return f"Theme of the meeting of {self.week_of:%-d %b %Y}"

    @property
    def section(self) -> str:
        """The section to show: the portal's own autoescaped rendering, nothing a user typed
        raw, so it is marked safe."""
        return mark_safe(self.html)  # noqa: S308

    @property
    def read_at(self):
        """When the figures shown were read: the last refresh, else the freezing."""
        return self.refreshed_at or self.frozen_at


# --- the days' entries into the funnel ------------------------------------------------------------


class DayRow(models.Model):
    """What the frozen days' rows share: the day (local time) a lead entered ``stage``, its
    source, campaign, persona and owner when the day was frozen — the ids as they were, kept
    whatever becomes of the campaign, persona or user — and the day of its previous entry to
    the stage (``previous_day``, None for a first entry or one more than two years before)."""

    day = models.DateField()
    stage = models.CharField(max_length=20)
    original_channel = models.CharField(max_length=20, blank=True)
    campaign_id = models.BigIntegerField(null=True)
    persona_id = models.BigIntegerField(null=True)
    owner_id = models.IntegerField(null=True)
    previous_day = models.DateField(null=True)

    class Meta:
        abstract = True


class StageDay(DayRow):
    """How many leads entered ``stage`` on ``day`` among those alike in the rest, each lead
    once in the part of the day frozen at a time. Written with the day's ``FrozenDay``, from
    the stage transitions; the funnel sums them, and a lead that entered a stage twice in a
    period counts once because its later entry's ``previous_day`` falls in the period (a later
    entry the same day has that day)."""

    leads = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "stage"], name="stageday_day_stage")]

    def __str__(self) -> str:
        return f"{self.leads} into {self.stage} on {self.day:%-d %b %Y}"


class FrozenDay(models.Model):
    """A day whose rows (``StageDay``, ``StepDay``, ``CreditDay``) are written up to
    ``through``: its next midnight once the day is over, an earlier instant while it runs (the
    current day is frozen every few minutes). The reports read the frozen part from the rows
    and only the moves since ``through`` live."""

    day = models.DateField(unique=True)
    through = models.DateTimeField(help_text="The moves before this instant are in the rows")
    frozen_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Entries of {self.day:%-d %b %Y}, frozen up to {self.through:%H:%M}"


class CreatedDay(models.Model):
    """How many leads were created on ``day`` (local time) among those alike in source,
    campaign, persona and owner when the day's part was frozen. Written with the day's
    ``FrozenDay``; lead quality sums them."""

    day = models.DateField()
    original_channel = models.CharField(max_length=20, blank=True)
    campaign_id = models.BigIntegerField(null=True)
    persona_id = models.BigIntegerField(null=True)
    owner_id = models.IntegerField(null=True)
    leads = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="createdday_day")]

    def __str__(self) -> str:
        return f"{self.leads} created on {self.day:%-d %b %Y}"


class CohortEntry(DayRow):
    """A lead's first entry on ``day`` to MQL in the part of the day frozen at a time — an entry
    of the funnel's cohorts — at ``entered_at``, with the first time it reached SAL, SQL and
    customer at or after it, as far as the moves are frozen (None: not by then). Written with
    the day's ``FrozenDay``; each later freeze fills in the reaches its moves made, so the
    cohort of a month is a month of these rows and the reaches since the last freeze."""

    lead_id = models.BigIntegerField()
    entered_at = models.DateTimeField()
    sal_at = models.DateTimeField(null=True)
    sql_at = models.DateTimeField(null=True)
    customer_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="cohortentry_day"),
            models.Index(fields=["lead_id"], name="cohortentry_lead"),
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} an MQL on {self.day:%-d %b %Y}"


class CohortDecision(DayRow):
    """A decision of sales' on the lead of a cohort entry (``entry_id``), at or after the
    entry: an acceptance, or a rejection with its reason code, made at ``at`` (the stage
    transition ``transition_id``). The entry's day, stage, group and previous day come with
    it, so a month's decisions are counted from a month of these rows alone. Written when the
    part of a day with the entry is frozen (its decisions up to then), and when a part with a
    decision on an earlier entry is; each pair once, however often a day is frozen again."""

    entry_id = models.BigIntegerField()
    transition_id = models.BigIntegerField()
    at = models.DateTimeField()
    accepted = models.BooleanField()
    rejected = models.BooleanField()
    rejection_reason = models.ForeignKey(
        "leads.RejectionReason",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # read only from here, joined to a handful of reasons
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transition_id", "entry_id"], name="cohortdecision_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="cohortdecision_day")]

    def __str__(self) -> str:
        kind = "Accepted" if self.accepted else "Rejected"
        return f"{kind} at {self.at:%-d %b %Y %H:%M}, an MQL of {self.day:%-d %b %Y}"


class StepDay(DayRow):
    """One lead's first entry on ``day`` to ``stage``, the later stage of one of the funnel's
    steps, with how long it took from its latest entry to the step's earlier stage
    (``seconds``). Written with the day's ``FrozenDay``; the funnel's velocity takes its
    percentiles over them. A lead that skipped the earlier stage has none."""

    seconds = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["day", "stage"], name="stepday_day_stage")]

    def __str__(self) -> str:
        return f"Into {self.stage} on {self.day:%-d %b %Y} after {self.seconds / 86_400:.1f} days"


class CreditDay(DayRow):
    """The touchpoints of the conversions of ``day`` — leads' first entries that day to SQL or
    customer (``stage``) — grouped by campaign or by source (``by``): ``times`` conversions
    alike in the rest had ``touchpoint`` at ``position`` (first, between, last) of their
    ``touchpoints``. Written with the day's ``FrozenDay``; attribution gives out each model's
    shares from them. A conversion with no touchpoint has one row, first of one, with no
    campaign and no channel ("Unattributed")."""

    class By(models.TextChoices):
        CAMPAIGN = "campaign", "Campaign"
        SOURCE = "source", "Source"

    class Position(models.TextChoices):
        FIRST = "first", "First"
        BETWEEN = "between", "Between"
        LAST = "last", "Last"

    by = models.CharField(max_length=10, choices=By.choices)
    touch_campaign_id = models.BigIntegerField(null=True)
    touch_channel = models.CharField(max_length=20, blank=True)
    touchpoints = models.PositiveIntegerField()
    position = models.CharField(max_length=10, choices=Position.choices)
    times = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["by", "day"], name="creditday_by_day")]

    def __str__(self) -> str:
        touch = self.touch_campaign_id or self.touch_channel or "Unattributed"
        return f"{touch} {self.position} of {self.touchpoints}, {self.times}× on {self.day}"
