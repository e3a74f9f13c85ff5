"""Models of the leads app: companies, leads, behaviour events, stage transitions, sales
touches, notes and campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from leads.events import (
    EVENT_TYPE_CHOICES,
    EVENT_TYPES_BY_KEY,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
)


class Stage(models.TextChoices):
    """Lifecycle stages, in funnel order, then the two side exits."""

    SUBSCRIBER = "subscriber", "Subscriber"
    LEAD = "lead", "Lead"
    MQL = "mql", "MQL"
    SAL = "sal", "SAL"
    SQL = "sql", "SQL"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    EVANGELIST = "evangelist", "Evangelist"
    RECYCLED = "recycled", "Recycled"
    DISQUALIFIED = "disqualified", "Disqualified"


FUNNEL = [
    Stage.SUBSCRIBER,
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
    Stage.EVANGELIST,
]
SIDE_EXITS = [Stage.RECYCLED, Stage.DISQUALIFIED]


class Channel(models.TextChoices):
    ORGANIC_SEARCH = "organic_search", "Organic search"
    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social", "Social"
    PAID_SOCIAL = "paid_social", "Paid social"
    EMAIL = "email", "E-mail"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct traffic"
    EVENT = "event", "Event"
    PARTNER = "partner", "Partner"
    OUTBOUND = "outbound", "Sales outbound"
    IMPORT = "import", "Offline import"
    OTHER = "other", "Other"


class Temperature(models.TextChoices):
    HOT = "hot", "Hot"
    WARM = "warm", "Warm"
    COLD = "cold", "Cold"


class Seniority(models.TextChoices):
    ENTRY = "entry", "Entry level"
    SENIOR = "senior", "Senior individual contributor"
    MANAGER = "manager", "Manager"
    DIRECTOR = "director", "Director"
    VP = "vp", "Vice president"
    C_LEVEL = "c_level", "C-level"
    OWNER = "owner", "Owner / founder"


class Department(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    IT = "it", "IT"
    ENGINEERING = "engineering", "Engineering"
    FINANCE = "finance", "Finance"
    OPERATIONS = "operations", "Operations"
    HR = "hr", "Human resources"
    EXECUTIVE = "executive", "Executive"
    OTHER = "other", "Other"


class LeadStatus(models.TextChoices):
    """Where sales' work on a lead stands (HubSpot's and Salesforce's "Lead Status"), beside its
    lifecycle stage: a small set that both CRMs' values map to."""

    NEW = "new", "New"
    ATTEMPTED = "attempted", "Attempted to contact"
    CONNECTED = "connected", "Connected"
    IN_PROGRESS = "in_progress", "In progress"
    OPEN_DEAL = "open_deal", "Open deal"
    BAD_TIMING = "bad_timing", "Bad timing"
    UNQUALIFIED = "unqualified", "Unqualified"
    CONVERTED = "converted", "Converted"


class Consent(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SizeBand(models.TextChoices):
    MICRO = "1-10", "1–10"
    SMALL = "11-50", "11–50"
    MEDIUM = "51-200", "51–200"
    LARGE = "201-1000", "201–1,000"
    ENTERPRISE = "1001-5000", "1,001–5,000"
    GIANT = "5001+", "5,001+"

    @classmethod
    def for_employees(cls, employees: int | None) -> str:
        if employees is None:
            return ""
        for band, ceiling in (
            (cls.MICRO, 10),
            (cls.SMALL, 50),
            (cls.MEDIUM, 200),
            (cls.LARGE, 1000),
            (cls.ENTERPRISE, 5000),
        ):
            if employees <= ceiling:
                return band
        return cls.GIANT


class RevenueBand(models.TextChoices):
    UNDER_1M = "<1m", "Under $1M"
    FROM_1M = "1m-10m", "$1M–10M"
    FROM_10M = "10m-50m", "$10M–50M"
    FROM_50M = "50m-250m", "$50M–250M"
    FROM_250M = "250m-1b", "$250M–1B"
    OVER_1B = "1b+", "Over $1B"


class Company(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="e.g. acme.com")
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    annual_revenue_band = models.CharField(max_length=10, choices=RevenueBand.choices, blank=True)
    country = CountryField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=~models.Q(domain=""),
                name="company_domain_unique",
            )
        ]
        indexes = [models.Index(Lower("name"), name="company_name_lower")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:company", args=[self.pk])


class Campaign(models.Model):
    name = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.OTHER)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    target_persona = models.ForeignKey(
        "personas.Persona", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_journey_stage = models.ForeignKey(
        "journeys.JourneyStage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


# Columns the board and the list filter on, and the short names of their indexes.
FILTERED_BY = {
    "owner": "owner",
    "campaign": "campaign",
    "original_channel": "channel",
    "temperature": "temperature",
}


class LeadQuerySet(models.QuerySet):
    def in_stage(self, stage: str) -> LeadQuerySet:
        return self.filter(stage=stage)

    def owned_by(self, user) -> LeadQuerySet:
        return self.filter(owner=user)

    def open_mqls(self) -> LeadQuerySet:
        return self.filter(stage=Stage.MQL)

    def with_email(self, email: str) -> LeadQuerySet:
        return self.filter(email=Lead.normalize_email(email))


class Lead(models.Model):
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    department = models.CharField(max_length=20, choices=Department.choices, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,  # indexed in Meta, with the indexes a full rescore rebuilds
    )
    city = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    lead_status = models.CharField(max_length=20, choices=LeadStatus.choices, blank=True)

    original_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    original_utm_source = models.CharField(max_length=200, blank=True)
    original_utm_medium = models.CharField(max_length=200, blank=True)
    original_utm_campaign = models.CharField(max_length=200, blank=True)
    latest_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    latest_utm_source = models.CharField(max_length=200, blank=True)
    latest_utm_medium = models.CharField(max_length=200, blank=True)
    latest_utm_campaign = models.CharField(max_length=200, blank=True)
    # Owner and campaign are indexed by the composite indexes that start with them (see Meta).
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        db_index=False,
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.LEAD)
    stage_changed_at = models.DateTimeField(default=timezone.now)

    fit_score = models.IntegerField(default=0)
    engagement_score = models.IntegerField(default=0)
    total_score = models.IntegerField(default=0)
    temperature = models.CharField(max_length=10, choices=Temperature.choices, blank=True)
    grade = models.CharField(max_length=2, blank=True, help_text="Fit A–D × engagement 1–4")
    scored_at = models.DateTimeField(null=True, blank=True)
    # Set in the transaction that creates or edits the lead, cleared when it is scored: the
    # sweep finds it even if its scoring was never enqueued (Redis down) or was lost.
    needs_scoring = models.BooleanField(default=False)
    # Not indexed: every rescore would write it again. Deleting a model (a draft; the leads
    # scored by a model keep it) reads the table once.
    scoring_model = models.ForeignKey(
        "leads.ScoringModel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    persona = models.ForeignKey(
        "personas.Persona",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )
    journey_stage = models.ForeignKey(
        "journeys.JourneyStage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )
    # Set by hand (the lead page, the API): kept by the scoring workers, which otherwise match
    # the persona and the journey stage on every scoring (``leads.scoring.matching``).
    persona_manual = models.BooleanField(default=False)
    journey_stage_manual = models.BooleanField(default=False)

    budget_confirmed = models.BooleanField(default=False)
    authority_confirmed = models.BooleanField(default=False)
    need_confirmed = models.BooleanField(default=False)
    timeline_confirmed = models.BooleanField(default=False)

    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.UNKNOWN)
    # Where and when the consent status was last given or withdrawn: "API", an unsubscribe
    # event, an import. Written with the status (``leads.privacy.consent_stamp``).
    consent_source = models.CharField(max_length=100, blank=True, default="", db_default="")
    consent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed = models.BooleanField(default=False)
    # When the person's data was erased on request (``leads.privacy.lead_erase``): the lead
    # stays, anonymous, so the counts of the funnel, the reports and the scores are kept.
    erased_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_unique_ci"),
        ]
        # Every index is written again whenever a lead's score changes (a changed indexed
        # column rules out an update in place), so a rescore costs in proportion to how many
        # there are: the score order has one index per filter, and a page across stages merges
        # one slice per stage (``selectors.SPLITS``). A full rescore drops the indexes over the
        # scores and builds them again after (``leads.scoring.compaction``); the others stay,
        # and since each page keeps room for a second version of its rows (migration 0015),
        # each lead is then rewritten in place.
        indexes = [
            models.Index(fields=["company"], name="lead_company"),
            # The board's columns and the list by score: each stage's leads, best first.
            models.Index(fields=["stage", "-total_score", "-id"], name="lead_stage_score"),
            # The list's other orders (keyset pagination walks them).
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            models.Index(fields=["-stage_changed_at", "-id"], name="lead_stage_changed"),
            # Each filter of the board and the list, per stage in score order.
            *[
                models.Index(
                    fields=[field, "stage", "-total_score", "-id"], name=f"lead_{name}_stage"
                )
                for field, name in FILTERED_BY.items()
            ],
            # The sweep's worklist: only the few leads waiting to be scored are indexed.
            models.Index(
                fields=["id"], condition=models.Q(needs_scoring=True), name="lead_needs_scoring"
            ),
            # Only leads given a persona or a journey stage are indexed by it.
            models.Index(
                fields=["persona"], condition=models.Q(persona__isnull=False), name="lead_persona"
            ),
            models.Index(
                fields=["journey_stage"],
                condition=models.Q(journey_stage__isnull=False),
                name="lead_journey_stage",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @staticmethod
    def normalize_email(email: str) -> str:
        return email.strip().lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def sql_checklist(self) -> dict[str, bool]:
        return {
            "budget": self.budget_confirmed,
            "authority": self.authority_confirmed,
            "need": self.need_confirmed,
            "timeline": self.timeline_confirmed,
        }

    @property
    def is_open_mql(self) -> bool:
        return self.stage == Stage.MQL

    def score_snapshot(self) -> dict:
        return {
            "fit": self.fit_score,
            "engagement": self.engagement_score,
            "total": self.total_score,
            "temperature": self.temperature,
            "grade": self.grade,
        }


class LeadSearch(models.Model):
    """What the lead list's search matches, written by ``leads.search``: beside the lead, so
    that a changed score, which rewrites the lead's row, does not rewrite its trigram index."""

    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    text = models.CharField(max_length=600)

    class Meta:
        verbose_name_plural = "lead search texts"

    def __str__(self) -> str:
        return self.text


class Event(models.Model):
    """Something a lead did. Append-only: events are never edited, so scores can be replayed.
    An event with an idempotency key is stored once per source, however often it arrives."""

    # Indexed by ``event_lead_time``, which starts with it (a second index would only cost
    # every insert).
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=40, choices=EVENT_TYPE_CHOICES)
    occurred_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    source = models.CharField(
        max_length=SOURCE_MAX_LENGTH, blank=True, help_text="The system that sent it"
    )
    # Null is "no key": the unique index below leaves those events out.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        null=True,
        blank=True,
        help_text="The sender's own id of the event: a second delivery is not stored again",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # One event per key and source: the index the inserts of keyed events conflict on.
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="event_source_key_unique",
            )
        ]
        # A lead's events in time order, with what the scoring rules read of each: scoring a
        # lead, explaining it or qualifying it reads its entries alone, not the table's pages,
        # where the events of one lead lie scattered in the order they arrived.
        indexes = [
            models.Index(
                fields=["lead", "occurred_at"], include=["type", "properties"],
                name="event_lead_time",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_type_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def icon(self) -> str:
        event_type = EVENT_TYPES_BY_KEY.get(self.type)
        return event_type.icon if event_type else "dot"


class RejectionReason(models.Model):
    """Why sales sent a lead back to nurture (recycled) or ruled it out (disqualified): one of a
    short list the admins keep, so marketing can count sales' reasons by source, campaign and
    persona. A reason in use is retired (``active`` off), never deleted."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80, unique=True)
    description = models.CharField(
        max_length=200, blank=True, help_text="When a rep should choose it, in a sentence."
    )
    note_required = models.BooleanField(
        default=False, help_text="The rep must say more in a note (for “Other”)."
    )
    active = models.BooleanField(default=True, help_text="Offered to reps when they reject.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Its place in the list.")

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class StageTransition(models.Model):
    """One change of a lead's stage: funnels, velocity and audit are computed from these.

    A move by a person out of the open funnel (recycled, disqualified) carries a reason code,
    and ``reason`` is then the rep's note; a move from MQL to SAL is sales' acceptance. These
    are sales' feedback on the leads marketing hands over."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stage_transitions",
    )
    rule = models.CharField(max_length=200, blank=True, help_text="The rule that moved it")
    reason = models.TextField(blank=True)
    rejection_reason = models.ForeignKey(
        RejectionReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
        db_index=False,
    )
    scores = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["lead", "at"], name="transition_lead_time"),
            # With the lead, and what tells an acceptance and a rejection, so that the reports'
            # cohorts read a period's moves from the index alone.
            models.Index(
                fields=["to_stage", "at"],
                include=["lead", "from_stage", "actor", "rejection_reason"],
                name="transition_stage_time",
            ),
            # The rejections alone, by reason and time: the few among millions of moves.
            models.Index(
                fields=["rejection_reason", "at"],
                name="transition_rejection_time",
                condition=models.Q(rejection_reason__isnull=False),
            ),
            # Sales' decisions on MQLs by time, for the SLA's acceptance rate: read from the
            # index alone, not from the heap of every move of the week.
            models.Index(
                fields=["at"],
                include=["to_stage"],
                name="transition_out_of_mql",
                condition=models.Q(from_stage="mql"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"

    @property
    def actor_label(self) -> str:
        if self.rule:
            return f"rule: {self.rule}"
        if self.actor_id:
            return self.actor.get_full_name() or self.actor.username
        return "system"


class OwnerChange(models.Model):
    """A lead given to a rep, taken from one or handed on: by a person (``actor``) or by a
    rule (``rule`` names it, e.g. a routing rule). The lead page's timeline shows them."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="owner_changes")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    rule = models.CharField(max_length=200, blank=True, help_text="The rule that assigned it")

    class Meta:
        indexes = [models.Index(fields=["lead", "at"], name="owner_change_lead_time")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_owner_id} → {self.to_owner_id}"


class TouchKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    MEETING = "meeting", "Meeting"
    LINKEDIN = "linkedin", "LinkedIn"
    SMS = "sms", "Text message"
    OTHER = "other", "Other"


class TouchOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    REPLIED = "replied", "Replied"
    MEETING_BOOKED = "meeting_booked", "Meeting booked"
    NOT_INTERESTED = "not_interested", "Not interested"
    WRONG_CONTACT = "wrong_contact", "Wrong contact"
    OTHER = "other", "Other"


class Touch(models.Model):
    """A sales activity on a lead."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touches")
    kind = models.CharField(max_length=20, choices=TouchKind.choices)
    outcome = models.CharField(max_length=20, choices=TouchOutcome.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="touches"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "touches"
        indexes = [models.Index(fields=["lead", "at"], name="touch_lead_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"


class Note(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="lead_notes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["lead", "created_at"], name="note_lead_time")]

    def __str__(self) -> str:
        return self.body[:60]


class PrivacyRequest(models.Model):
    """A person's request about their data, carried out: an export of everything the portal
    holds on their lead, or its erasure. Kept after the erasure without the e-mail itself:
    ``email_digest`` (SHA-256 of the address in lower case) tells whether a later request is
    the same person's."""

    class Kind(models.TextChoices):
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    lead_id = models.BigIntegerField(help_text="The lead's id: the lead stays, anonymous")
    email_digest = models.CharField(max_length=64)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The request's own reference, e.g. a ticket"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # What the erasure removed, by kind: {"notes": 2, "events": 14, ...}.
    removed = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["lead_id", "at"], name="privacy_lead_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of lead {self.lead_id} on {self.at:%-d %b %Y}"


from leads.content.models import ContentRating, ContentSend  # noqa: E402, F401
from leads.glossary.models import GlossaryTerm  # noqa: E402, F401
from leads.imports.models import ImportJob, ImportRowError  # noqa: E402, F401
from leads.scoring.models import *  # noqa: E402, F401, F403
