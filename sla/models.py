"""Models of the sla app: the teams and their business hours, and the service-level agreement
between marketing and sales, in versions both teams sign."""

from __future__ import annotations

import secrets
from decimal import Decimal
from zoneinfo import available_timezones

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_countries import countries

from sla.business_hours import Calendar, week_parse

COUNTRY_NAMES = dict(countries)
OFFICE_HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def office_hours() -> dict:
    return {day: [list(window) for window in windows] for day, windows in OFFICE_HOURS.items()}


def validate_timezone(name: str) -> None:
    if name not in available_timezones():
        raise ValidationError(f"“{name}” is not a time zone (for example Europe/Berlin).")


def validate_week(hours) -> None:
    if not isinstance(hours, dict):
        raise ValidationError('Give the hours per day, e.g. {"mon": [["09:00", "17:00"]]}.')
    try:
        week_parse(hours)
    except (TypeError, ValueError) as error:
        raise ValidationError(str(error)) from error


class Function(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"


class Team(models.Model):
    """A marketing or a sales team: who is in it, who manages it, and when it works (its week
    of opening hours in its time zone, closed on its country's public holidays and on its own
    days off). Sales' SLA clocks count the business hours of the team of the lead's owner."""

    name = models.CharField(max_length=80, unique=True)
    function = models.CharField(max_length=10, choices=Function.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone], help_text="e.g. Europe/Berlin"
    )
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        help_text="Closed on this country's public holidays (ISO code, e.g. DE); empty for none.",
    )
    holiday_region = models.CharField(
        max_length=8, blank=True, help_text="And on its region's, e.g. BY for Bavaria."
    )
    hours = models.JSONField(
        default=office_hours,
        validators=[validate_week],
        help_text="Opening hours per weekday, local time.",
    )
    minutes_per_touch = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text="Working minutes a first touch takes a rep: a rep whose untouched MQLs "
        "cannot all be touched in time at this pace is flagged at risk.",
    )

    class Meta:
        ordering = ["function", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.holiday_country = self.holiday_country.upper()
        if not self.holiday_country:
            if self.holiday_region:
                raise ValidationError({"holiday_region": "Name the country of the region too."})
            return
        supported = holidays.list_supported_countries()
        if self.holiday_country not in supported:
            raise ValidationError(
                {"holiday_country": f"No public holidays are known for “{self.holiday_country}”."}
            )
        regions = supported[self.holiday_country]
        if self.holiday_region and self.holiday_region not in regions:
            raise ValidationError(
                {
                    "holiday_region": f"“{self.holiday_region}” is not a region of "
                    f"{self.holiday_country} (for example {', '.join(regions[:5])})."
                    if regions
                    else f"{self.holiday_country} has no regional holidays."
                }
            )

    def calendar(self, days_off=None) -> Calendar:
        """Its business hours; ``days_off`` are its own closed dates (read if not given)."""
        if days_off is None:
            days_off = self.days_off.values_list("on", flat=True)
        return Calendar(
            week=week_parse(self.hours),
            timezone=self.time_zone,
            country=self.holiday_country,
            subdivision=self.holiday_region,
            days_off=days_off,
        )


class TeamMember(models.Model):
    """A user's place in a team: one team a user. For routing, a rep's share of the team's
    MQLs (``weight``), the days they are away and the most open MQLs they take."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_membership"
    )
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Their share of a weighted rule's MQLs: a rep of weight 2 gets twice as many.",
    )
    away_until = models.DateField(
        null=True, blank=True, help_text="Away up to and including this day: routed nothing."
    )
    max_open_mqls = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At capacity with this many open MQLs: routed nothing more. Empty: no limit.",
    )

    class Meta:
        ordering = ["team", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"

    def is_away(self, today=None) -> bool:
        return self.away_until is not None and (today or timezone.localdate()) <= self.away_until


class RoutingRule(models.Model):
    """Who gets a new MQL that has no owner: the first active rule (by position) whose
    conditions the lead meets hands it to the next rep of its team in turn (round robin,
    weighted if asked), skipping reps away, at capacity or inactive. A rule without
    conditions takes every lead."""

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower runs first.")
    active = models.BooleanField(default=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="routing_rules")
    weighted = models.BooleanField(
        default=False, help_text="Share the leads by the members' weights rather than evenly."
    )
    countries = models.JSONField(
        default=list,
        blank=True,
        help_text="Territory: leads from these countries (ISO codes; the lead's, else its "
        "company's). Empty: any country.",
    )
    personas = models.ManyToManyField(
        "personas.Persona", blank=True, related_name="routing_rules",
        help_text="Leads of these personas. Empty: any persona.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        codes = self.countries if isinstance(self.countries, list) else None
        if codes is None or not all(isinstance(code, str) for code in codes):
            raise ValidationError({"countries": "Give the countries as a list of ISO codes."})
        self.countries = sorted({code.strip().upper() for code in codes if code.strip()})
        unknown = [code for code in self.countries if code not in COUNTRY_NAMES]
        if unknown:
            raise ValidationError(
                {"countries": f"Not a country code: {', '.join(unknown)} (e.g. DE, FR, GB)."}
            )
        if self.team_id and self.team.function != Function.SALES:
            raise ValidationError({"team": "Leads are routed to a sales team."})


class RoutingTally(models.Model):
    """How many leads a rule has given each rep: where the round robin stands."""

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="tallies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "user"], name="routing_tally_once")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.assigned} to {self.user}"


class NotificationKind(models.TextChoices):
    MQLS_ASSIGNED = "mqls_assigned", "New MQLs for you"
    CLOCKS_BREACHED = "clocks_breached", "SLA breached"


class Notification(models.Model):
    """An in-app message to a user (also sent by e-mail), shown on their queue until read.
    ``key`` makes each one once: a repeated delivery of the same news writes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    key = models.CharField(max_length=200)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    lead_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return self.text


def webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """An address told of each SLA breach: a JSON ``POST`` signed with the webhook's secret
    (``Smarketing-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">``), retried with
    backoff until it answers 2xx."""

    name = models.CharField(max_length=80)
    url = models.URLField(max_length=500, help_text="https:// address that receives the POSTs.")
    secret = models.CharField(
        max_length=128,
        default=webhook_secret,
        help_text="Shared with the receiver, who checks each request's signature with it.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one webhook, written in the transaction that records the event (``key``
    makes it once), then sent by a worker: claimed for a while before each attempt so two
    workers never send it at once, retried with backoff, given up after ``MAX_ATTEMPTS``."""

    MAX_ATTEMPTS = 8

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "key"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}: {self.get_status_display()}"


class DayOff(models.Model):
    """A date a team does not work besides public holidays (a company holiday, an off-site)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="days_off")
    on = models.DateField()
    name = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["on"]
        constraints = [models.UniqueConstraint(fields=["team", "on"], name="day_off_once")]

    def __str__(self) -> str:
        return f"{self.team}: {self.on} {self.name}".strip()


class AgreementQuerySet(models.QuerySet):
    def signed(self) -> AgreementQuerySet:
        """Agreements both teams signed (each has a marketing and a sales signature)."""
        return self.filter(signed_at__isnull=False)

    def in_force(self, at=None) -> Agreement | None:
        """The agreement in force at ``at`` (now): the signed one that took effect last."""
        at = at or timezone.now()
        return self.signed().filter(effective_from__lte=at).order_by("-effective_from").first()


HOURS = [MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("720"))]


class Agreement(models.Model):
    """One version of the service-level agreement: what marketing promises sales (MQLs a
    month, and a share of them good enough for sales to accept) and what sales promises
    marketing (a first touch within some business hours of an MQL, a number of touches within
    some days, a decision — accept or reject — within some business hours). A draft is edited
    freely; once both teams signed it, it is fixed and takes effect at ``effective_from``,
    replacing the version before it."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    effective_from = models.DateTimeField(
        help_text="When it takes effect once signed; the version in force before it ends then."
    )
    summary = models.TextField(blank=True, help_text="Why this version, in a sentence or two.")

    # Marketing's side
    mqls_per_month = models.PositiveIntegerField(
        "MQLs a month",
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text="How many marketing-qualified leads marketing delivers each month.",
    )
    min_accepted_percent = models.PositiveSmallIntegerField(
        "accepted by sales (at least, %)",
        validators=[MaxValueValidator(100)],
        help_text="The share of those MQLs sales accepts (moves to SAL) rather than rejects.",
    )

    # Sales' side
    first_touch_hours = models.DecimalField(
        "first touch within (business hours)",
        max_digits=6,
        decimal_places=2,
        validators=HOURS,
        help_text="From the moment a lead becomes an MQL.",
    )
    touches_required = models.PositiveSmallIntegerField(
        "touches", validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    touches_within_days = models.PositiveSmallIntegerField(
        "within (days)", validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    decision_hours = models.DecimalField(
        "accept or reject within (business hours)",
        max_digits=6,
        decimal_places=2,
        validators=HOURS,
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set when the second team signs: from then on the terms are fixed.
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_accepted_percent__lte=100), name="agreement_percent"
            )
        ]

    def __str__(self) -> str:
        return f"SLA v{self.version}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Signoff(models.Model):
    """One team's signature on an agreement: who signed for it, and when."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signoffs")
    function = models.CharField(max_length=10, choices=Function.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "function"], name="signoff_once_a_team")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} signed for {self.get_function_display()}"


# Clocks ---------------------------------------------------------------------------------------


class ClockKind(models.TextChoices):
    FIRST_TOUCH = "first_touch", "First touch"
    TOUCHES = "touches", "Touches"
    DECISION = "decision", "Decision"


class ClockStatus(models.TextChoices):
    RUNNING = "running", "Running"
    # Its due time passed before it was met: it stays open until met (late) or stopped.
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    STOPPED = "stopped", "Stopped"


OPEN_CLOCKS = (ClockStatus.RUNNING, ClockStatus.BREACHED)


class Clock(models.Model):
    """One of sales' promises about one MQL, timed: started when the lead became an MQL, due
    after the agreement's business hours (or days, for the touches), met when the touch or the
    decision is logged, breached when its due time passes first, stopped when the lead is
    recycled or disqualified. A lead that becomes an MQL again gets new clocks."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="sla_clocks")
    kind = models.CharField(max_length=12, choices=ClockKind.choices)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="clocks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sla_clocks",
        help_text="The lead's owner: while it runs, whoever owns the lead.",
    )
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ClockStatus.choices, default="running")
    touches_needed = models.PositiveSmallIntegerField(default=1)
    touches_done = models.PositiveSmallIntegerField(default=0)
    met_at = models.DateTimeField(null=True, blank=True)
    # Business minutes from the start to the moment it was met (what the reports' medians read).
    met_after_minutes = models.PositiveIntegerField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind"],
                condition=models.Q(status__in=OPEN_CLOCKS),
                name="clock_open_once",
                violation_error_message="The lead has this clock running already.",
            ),
            models.UniqueConstraint(
                fields=["lead", "kind", "started_at"], name="clock_once_a_start"
            ),
        ]
        indexes = [
            # The sweep: running clocks by due time.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="running"),
                name="clock_running_due",
            ),
            models.Index(fields=["lead", "kind"], name="clock_lead"),
            models.Index(fields=["started_at"], name="clock_started"),
            models.Index(
                fields=["owner", "due_at"],
                condition=models.Q(status__in=OPEN_CLOCKS),
                name="clock_open_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for lead {self.lead_id}: {self.get_status_display()}"

    @property
    def met_on_time(self) -> bool:
        return self.status == ClockStatus.MET and self.breached_at is None


# Goals ----------------------------------------------------------------------------------------

from leads.models import FUNNEL, Channel, Stage  # noqa: E402


class GoalMetric(models.TextChoices):
    LEADS = "leads", "Leads"
    MQLS = "mqls", "MQLs"
    SQLS = "sqls", "SQLs"
    CUSTOMERS = "customers", "Customers"
    CONVERSION = "conversion", "Conversion between two stages"
    FIRST_TOUCH_MEDIAN = "first_touch_median", "Median time to first touch"
    SLA_COMPLIANCE = "sla_compliance", "SLA compliance"


class TargetKind(models.TextChoices):
    ABSOLUTE = "absolute", "A value to reach"
    RELATIVE = "relative", "A change (%) against the period before"


class Goal(models.Model):
    """A goal both teams share: a metric over the leads that pass the filters, between
    ``starts_on`` and ``ends_on``, against a target — a value, or a change in per cent against
    the same metric over the period of equal length just before. Its progress is computed
    from the stage transitions and the clocks (``sla.goals``), never stored."""

    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=20, choices=GoalMetric.choices)
    from_stage = models.CharField(
        max_length=20, choices=Stage.choices, blank=True, help_text="For a conversion."
    )
    to_stage = models.CharField(
        max_length=20, choices=Stage.choices, blank=True, help_text="For a conversion."
    )
    channels = models.JSONField(
        "sources",
        default=list,
        blank=True,
        help_text="Leads from these sources only; empty for all.",
    )
    campaign = models.ForeignKey(
        "leads.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    persona = models.ForeignKey(
        "personas.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Leads owned by this team's members only.",
    )
    target_kind = models.CharField(
        max_length=10, choices=TargetKind.choices, default=TargetKind.ABSOLUTE
    )
    target = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="A count, a percentage, hours (first touch) or, for a change, the per cent "
        "(20 for +20 %, -10 for −10 %).",
    )
    starts_on = models.DateField("start")
    ends_on = models.DateField("end", help_text="The last day of the goal.")
    owner_teams = models.ManyToManyField(Team, related_name="goals", verbose_name="owned by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["ends_on", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = "The end comes after the start."
        if self.metric == GoalMetric.CONVERSION:
            if not self.from_stage:
                errors["from_stage"] = "A conversion needs the stage it starts from."
            if not self.to_stage:
                errors["to_stage"] = "A conversion needs the stage it reaches."
            if self.from_stage and self.to_stage:
                if self.from_stage not in FUNNEL or self.to_stage not in FUNNEL:
                    errors["to_stage"] = (
                        "Both stages are in the funnel (not recycled or disqualified)."
                    )
                elif FUNNEL.index(self.to_stage) <= FUNNEL.index(self.from_stage):
                    errors["to_stage"] = "The stage reached comes after the one it starts from."
        else:
            self.from_stage = self.to_stage = ""
        if not isinstance(self.channels, list) or any(
            channel not in Channel.values for channel in self.channels
        ):
            errors["channels"] = 'Give a list of sources, e.g. ["email", "paid_search"].'
        if self.target is not None and self.target_kind == TargetKind.ABSOLUTE:
            if self.target < 0:
                errors["target"] = "The target is zero or more."
            elif self.is_rate and self.target > 100:
                errors["target"] = "A percentage is at most 100."
        if errors:
            raise ValidationError(errors)

    @property
    def is_rate(self) -> bool:
        return self.metric in (GoalMetric.CONVERSION, GoalMetric.SLA_COMPLIANCE)

    @property
    def lower_is_better(self) -> bool:
        return self.metric == GoalMetric.FIRST_TOUCH_MEDIAN
