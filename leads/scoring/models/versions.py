"""Scoring models, versioned (draft → active → archived), and their fit and engagement rules."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from leads.events import EVENT_TYPE_CHOICES
from leads.scoring.attributes import ATTRIBUTE_CHOICES, Operator
from leads.scoring.validation import (
    engagement_rule_problems,
    fit_rule_problems,
    operator_symbol,
    rule_label,
    thresholds_problems,
)


class VersionStatus(models.TextChoices):
    """A definition's life: drafted, perhaps scheduled for a moment, active, then archived."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class VersionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=VersionStatus.ACTIVE)

    def due(self, now):
        """The scheduled versions whose moment has come, the earliest first."""
        return self.filter(status=VersionStatus.SCHEDULED, activate_at__lte=now).order_by(
            "activate_at", "pk"
        )

    def _in_force_at(self, when):
        return self.filter(activated_at__lte=when).filter(
            models.Q(archived_at__isnull=True) | models.Q(archived_at__gt=when)
        )


class Version(models.Model):
    """A definition kept as versions (scoring models, qualification criteria; DESIGN.md,
    "Definitions are versions"). Only a draft is edited. A draft is activated now, or scheduled
    for ``activate_at`` (then it is read-only until it is activated, or unscheduled back to a
    draft). Activating one archives the version active before it; active and archived versions
    are kept as they were, so the one in force at any past moment (from ``activated_at`` to
    ``archived_at``) can be read. ``activated_by`` is who activated it, or who scheduled it."""

    Status = VersionStatus

    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT, editable=False
    )
    activate_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When a scheduled version is to be activated (or was, once active).",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_scheduled(self) -> bool:
        return self.status == VersionStatus.SCHEDULED

    @property
    def can_be_activated(self) -> bool:
        """A draft, or a scheduled version activated ahead of its moment."""
        return self.status in (VersionStatus.DRAFT, VersionStatus.SCHEDULED)

    def peers(self) -> models.QuerySet:
        """The versions this one replaces when it is activated (one of them is active)."""
        return type(self).objects.all()


def version_constraints(prefix: str, *, per: tuple[str, ...] = ()) -> list[models.BaseConstraint]:
    """One active version (per ``per``), and a scheduled version knows its moment."""
    return [
        models.UniqueConstraint(
            fields=list(per) or ["status"],
            condition=models.Q(status=VersionStatus.ACTIVE),
            name=f"{prefix}_one_active",
        ),
        models.CheckConstraint(
            condition=~models.Q(status=VersionStatus.SCHEDULED)
            | models.Q(activate_at__isnull=False),
            name=f"{prefix}_scheduled_has_moment",
        ),
    ]


class ScoringModelQuerySet(VersionQuerySet):
    def in_force_at(self, when) -> ScoringModelQuerySet:
        """The version that was active at ``when`` (to explain a past score or MQL)."""
        return self._in_force_at(when)


class ScoringModel(Version):
    """One version of the scoring model. Only a draft is edited; active and archived versions
    are kept as they were, so a past score can always be explained by the model then in force
    (from ``activated_at`` to ``archived_at``)."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True, editable=False)
    description = models.TextField(blank=True)

    overall_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="The total never exceeds this (blank: no cap)."
    )
    hot_threshold = models.IntegerField(
        default=60, help_text="Hot when the total is at least this."
    )
    warm_threshold = models.IntegerField(
        default=30, help_text="Warm when the total is at least this (and below hot); else cold."
    )
    fit_a = models.IntegerField("fit A from", default=40)
    fit_b = models.IntegerField("fit B from", default=25)
    fit_c = models.IntegerField("fit C from", default=10, help_text="Below it: D.")
    engagement_1 = models.IntegerField("engagement 1 from", default=40)
    engagement_2 = models.IntegerField("engagement 2 from", default=20)
    engagement_3 = models.IntegerField("engagement 3 from", default=10, help_text="Below it: 4.")
    learned_from = models.ForeignKey(
        "leads.LabRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts",
        editable=False, help_text="The lab's suggestions this draft was made from.",
    )  # fmt: skip

    objects = ScoringModelQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = version_constraints("scoring_model")

    def __str__(self) -> str:
        return f"v{self.version} {self.name} ({self.get_status_display()})"

    @property
    def version_name(self) -> str:
        """How messages name the version: ``v4``."""
        return f"v{self.version}"

    def clean(self) -> None:
        problems = thresholds_problems(
            hot=self.hot_threshold,
            warm=self.warm_threshold,
            fit=(self.fit_a, self.fit_b, self.fit_c),
            engagement=(self.engagement_1, self.engagement_2, self.engagement_3),
            overall_cap=self.overall_cap,
        )
        if problems:
            raise ValidationError(problems)


class FitGroup(models.Model):
    """Fit rules grouped (e.g. "company", "role"); the group's points are bounded by its cap."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="fit_groups")
    name = models.CharField(max_length=100)
    cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bounds the group's points either way (blank: no cap)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["model", "name"], name="fit_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.cap is not None and self.cap <= 0:
            raise ValidationError({"cap": f"Group {self.name!r}: the cap must be positive."})


class AttributeCondition:
    """A condition on a lead or company attribute (``attribute``, ``operator``, ``value``,
    ``position``): fit rules and the attribute conditions of MQL criteria."""

    @property
    def label(self) -> str:
        return rule_label(self.position, self.attribute, operator_symbol(self.operator))

    def attribute_problems(self) -> dict[str, str]:
        """What is wrong with the condition, by field, each message naming it."""
        return fit_rule_problems(
            position=self.position,
            attribute_name=self.attribute,
            operator=self.operator,
            value=self.value,
        )


class FitRule(AttributeCondition, models.Model):
    """Points when a lead or company attribute matches: ``company.employee_count ≥ 200 → 15``."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="fit_rules")
    group = models.ForeignKey(
        FitGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    attribute = models.CharField(max_length=50, choices=ATTRIBUTE_CHOICES)
    operator = models.CharField(max_length=20, choices=Operator.choices)
    value = models.JSONField(
        null=True,
        blank=True,
        help_text='JSON: "vp", ["vp", "c_level"], 200, [50, 500]; blank for is set / is empty.',
    )
    points = models.IntegerField(help_text="Negative allowed.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.attribute} {operator_symbol(self.operator)} {self.value!r} → {self.points}"

    def clean(self) -> None:
        problems = self.attribute_problems()
        if self.group_id and self.model_id and self.group.model_id != self.model_id:
            problems["group"] = f"{self.label}: the group belongs to another scoring model."
        if problems:
            raise ValidationError(problems)


class EngagementRule(models.Model):
    """Points per matching event, decayed by age (half-life), optionally windowed and capped.
    The cap bounds the absolute value of the rule's contribution: a ceiling for a positive
    rule, a floor for a negative one (unsubscribe, bounce)."""

    class PropertyOperator(models.TextChoices):
        EQUALS = Operator.EQUALS.value, "equals"
        CONTAINS = Operator.CONTAINS.value, "contains"
        STARTS_WITH = Operator.STARTS_WITH.value, "starts with"

    model = models.ForeignKey(
        ScoringModel, on_delete=models.CASCADE, related_name="engagement_rules"
    )
    event_type = models.CharField(max_length=40, choices=EVENT_TYPE_CHOICES)
    property_key = models.CharField(
        max_length=100, blank=True, help_text="e.g. url or asset_type (blank: every event)"
    )
    property_operator = models.CharField(
        max_length=20, choices=PropertyOperator.choices, blank=True
    )
    property_value = models.CharField(
        max_length=200, blank=True, help_text="Compared without regard to case."
    )
    points = models.IntegerField(help_text="Per event; negative allowed.")
    half_life_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Points halve every this many days (blank: no decay)."
    )
    window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Only events of the last this many days (blank: all)."
    )
    cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Bounds the rule's points either way (blank: no cap)."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.points}"

    @property
    def label(self) -> str:
        return rule_label(self.position, self.event_type)

    def clean(self) -> None:
        problems = engagement_rule_problems(
            position=self.position,
            event_type=self.event_type,
            property_key=self.property_key,
            property_operator=self.property_operator,
            property_value=self.property_value,
            half_life_days=self.half_life_days,
            window_days=self.window_days,
            cap=self.cap,
        )
        if problems:
            raise ValidationError(problems)
