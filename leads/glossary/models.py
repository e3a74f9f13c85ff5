"""The glossary's terms. A generated term keeps only its name and note here; its definition is
generated when it is read (``leads.glossary.generated``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class Generated(models.TextChoices):
    """What a generated term's definition is generated from."""

    MQL = "mql", "The active MQL criteria"
    SQL = "sql", "The active SQL criteria"
    HOT = "hot", "The active scoring model's hot band"
    WARM = "warm", "The active scoring model's warm band"
    COLD = "cold", "The active scoring model's cold band"
    GRADE = "grade", "The active scoring model's grade bands"


class GlossaryTerm(models.Model):
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="The term's anchor on the glossary page (/glossary/#mql) and its key in "
        'templates ({% term "mql" %}).',
    )
    name = models.CharField(max_length=80)
    stands_for = models.CharField(
        max_length=120, blank=True, help_text="What an abbreviation stands for."
    )
    short_definition = models.CharField(
        max_length=240,
        blank=True,
        help_text="One sentence, shown when someone points at a label that links here.",
    )
    definition = models.TextField(blank=True)
    note = models.TextField(
        blank=True,
        help_text="Shown after the definition: an example, who agreed it, how the teams use it.",
    )
    generated_from = models.CharField(
        max_length=10, choices=Generated.choices, blank=True, editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )  # fmt: skip

    class Meta:
        ordering = [Lower("name"), "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["generated_from"],
                condition=~models.Q(generated_from=""),
                name="glossary_one_term_per_generated_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('glossary:index')}#{self.slug}"

    @property
    def is_generated(self) -> bool:
        return bool(self.generated_from)
