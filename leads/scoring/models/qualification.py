"""Qualification criteria: the admin's "what is an MQL, what is an SQL", versioned like scoring
models, one active set of each kind."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst

from leads.events import EVENT_TYPE_CHOICES
from leads.scoring.attributes import ATTRIBUTE_CHOICES, Operator
from leads.scoring.models.versions import (
    AttributeCondition,
    Version,
    VersionQuerySet,
    version_constraints,
)
from leads.scoring.validation import operator_symbol

# The SQL checklist items a criteria set may require, each a confirmation on the lead.
SQL_CHECKLIST_ITEMS = {
    "budget": "Budget",
    "authority": "Authority",
    "need": "Need",
    "timeline": "Timeline",
}


def default_sql_checklist() -> list[str]:
    return list(SQL_CHECKLIST_ITEMS)


# The fields of an MQL condition, which an SQL set (a checklist) leaves empty.
MQL_FIELDS = ("min_total", "min_fit", "min_engagement", "event_type", "event_within_days")


class QualificationCriteriaQuerySet(VersionQuerySet):
    def in_force_at(self, kind: str, when) -> QualificationCriteriaQuerySet:
        """The set of ``kind`` that was active at ``when``: a transition is counted under the
        definition of its day."""
        return self._in_force_at(when).filter(kind=kind)


class QualificationCriteria(Version):
    """One version of the definition of an MQL or an SQL.

    MQL: a lead in subscriber or lead qualifies when all (or any) of the set conditions hold:
    total ≥ ``min_total``, fit ≥ ``min_fit``, engagement ≥ ``min_engagement``, an event of
    ``event_type`` within ``event_within_days``, and each attribute condition.
    SQL: the checklist items in ``sql_checklist`` are confirmed by a rep on an accepted lead.
    """

    class Kind(models.TextChoices):
        MQL = "mql", "MQL"
        SQL = "sql", "SQL"

    class Match(models.TextChoices):
        ALL = "all", "all of"
        ANY = "any", "any of"

    kind = models.CharField(max_length=3, choices=Kind.choices)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(editable=False, help_text="Numbered within its kind.")
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    min_total = models.IntegerField("total at least", null=True, blank=True)
    min_fit = models.IntegerField("fit at least", null=True, blank=True)
    min_engagement = models.IntegerField("engagement at least", null=True, blank=True)
    event_type = models.CharField(
        max_length=40, choices=EVENT_TYPE_CHOICES, blank=True,
        help_text="An event of this type qualifies (e.g. a demo request).",
    )  # fmt: skip
    event_within_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="…if it happened within this many days."
    )
    sql_checklist = models.JSONField(
        default=default_sql_checklist,
        blank=True,
        help_text="SQL only: the checklist items a rep must confirm.",
    )
    notes = models.TextField(
        blank=True, help_text="Shown after the generated definition (e.g. who agreed it, when)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = QualificationCriteriaQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name_plural = "qualification criteria"
        constraints = [
            *version_constraints("qualification", per=("kind",)),
            models.UniqueConstraint(
                fields=["kind", "version"], name="qualification_version_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version_name} {self.name} ({self.get_status_display()})"

    @property
    def version_name(self) -> str:
        """How messages name the version: ``MQL v3``."""
        return f"{self.get_kind_display()} v{self.version}"

    def peers(self) -> QualificationCriteriaQuerySet:
        return QualificationCriteria.objects.filter(kind=self.kind)

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if self.kind == self.Kind.SQL:
            unknown = [item for item in self.sql_checklist or [] if item not in SQL_CHECKLIST_ITEMS]
            if unknown or not isinstance(self.sql_checklist, list):
                allowed = ", ".join(SQL_CHECKLIST_ITEMS)
                problems["sql_checklist"] = f"Checklist items must be among: {allowed}."
            for field in MQL_FIELDS:
                if getattr(self, field) not in (None, ""):
                    label = capfirst(self._meta.get_field(field).verbose_name)
                    problems[field] = (
                        f"“{label}” is an MQL condition; an SQL criteria set is a checklist "
                        "only, so leave it empty."
                    )
        else:
            if self.event_type and self.event_within_days is None:
                problems["event_within_days"] = "Say within how many days the event qualifies."
            if self.event_within_days == 0:
                problems["event_within_days"] = (
                    "The event condition can never hold within 0 days: give at least 1 day."
                )
            if self.event_within_days is not None and not self.event_type:
                problems["event_type"] = "Choose the event that qualifies within those days."
        if problems:
            raise ValidationError(problems)


class QualificationCondition(AttributeCondition, models.Model):
    """An attribute condition of an MQL criteria set, with the operators of fit rules."""

    criteria = models.ForeignKey(
        QualificationCriteria, on_delete=models.CASCADE, related_name="conditions"
    )
    attribute = models.CharField(max_length=50, choices=ATTRIBUTE_CHOICES)
    operator = models.CharField(max_length=20, choices=Operator.choices)
    value = models.JSONField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.attribute} {operator_symbol(self.operator)} {self.value!r}"

    def clean(self) -> None:
        problems = self.attribute_problems()
        if problems:
            raise ValidationError(problems)
