"""Models of the journeys app: journey stages, their diagnostic questions, and content."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class JourneyStage(models.Model):
    """A stage of the buyer's journey (awareness … retention), in order."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(blank=True)
    # The journey mapping: a lead stands in the furthest stage that its lifecycle stage or one
    # of its recent events maps to (``leads.scoring.matching``). Keys are the leads' own
    # (``personas.vocabulary``).
    lifecycle_stages = models.JSONField(
        default=list, blank=True, help_text="Lifecycle stages that place a lead in this stage."
    )
    event_types = models.JSONField(
        default=list, blank=True, help_text="Event types that place a lead in this stage."
    )
    event_window_days = models.PositiveSmallIntegerField(
        default=90, help_text="How recent an event must be, in days, to count."
    )
    mapping_updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


QUESTION_MAX_LENGTH = 300


class JourneyQuestion(models.Model):
    """A diagnostic question both teams ask about a buyer at one stage of the journey."""

    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField(max_length=QUESTION_MAX_LENGTH)

    class Meta:
        ordering = ["stage__position", "position", "id"]
        indexes = [models.Index(fields=["stage", "position"], name="question_stage_position")]

    def __str__(self) -> str:
        return self.text


class ContentKind(models.TextChoices):
    PRODUCT_GUIDE = "product_guide", "Product guide"
    CASE_STUDY = "case_study", "Case study"
    OBJECTION_HANDLING = "objection_handling", "Objection handling"
    BATTLE_CARD = "battle_card", "Battle card"
    EMAIL_TEMPLATE = "email_template", "E-mail template"
    SEQUENCE = "sequence", "Sequence"
    WEBINAR = "webinar", "Webinar"
    WHITEPAPER = "whitepaper", "Whitepaper"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class ContentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class ContentAsset(models.Model):
    """A piece of sales-enablement content: a link or an uploaded file, for some journey
    stages and personas (none of either: for every stage or persona)."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    kind = models.CharField(max_length=30, choices=ContentKind.choices)
    status = models.CharField(
        max_length=10, choices=ContentStatus.choices, default=ContentStatus.DRAFT
    )
    stages = models.ManyToManyField(JourneyStage, blank=True, related_name="content_assets")
    personas = models.ManyToManyField("personas.Persona", blank=True, related_name="content_assets")
    link = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="content/%Y/%m/", blank=True, max_length=300)
    # What the file's bytes were recognised as, and the name it was uploaded under.
    file_type = models.CharField(max_length=120, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_assets",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"], name="content_status_kind")]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(link="") & models.Q(file="")),
                name="content_link_or_file",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:asset", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status == ContentStatus.LIVE

    @property
    def open_url(self) -> str:
        """Where a user opens the asset: its link, or the file served to logged-in users."""
        if self.file:
            return reverse("content:asset_file", args=[self.pk])
        return self.link
