"""Models of the personas app: documented buyer personas and the rules that match leads."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from personas import choices
from personas.validators import ChoiceListValidator, NameListValidator

AGE_MIN, AGE_MAX = 16, 100
INCOME_MAX = 100_000_000


def _choice_list(choice_set, verbose_name: str, help_text: str = "") -> models.JSONField:
    return models.JSONField(
        verbose_name,
        default=list,
        blank=True,
        validators=[ChoiceListValidator(choice_set)],
        help_text=help_text,
    )


def _choice(choice_set, verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=20, choices=choice_set.choices, blank=True)


def _prose(verbose_name: str, help_text: str = "") -> models.TextField:
    return models.TextField(verbose_name, blank=True, help_text=help_text)


class PersonaQuerySet(models.QuerySet):
    def needing_review(self, today: date | None = None) -> PersonaQuerySet:
        """Personas never reviewed, or last reviewed ``PERSONA_REVIEW_DAYS`` days ago or more."""
        cutoff = Persona.review_cutoff(today)
        return self.filter(
            models.Q(last_reviewed_on__isnull=True) | models.Q(last_reviewed_on__lte=cutoff)
        )


class Persona(models.Model):
    """A documented buyer persona: the twelve question groups of ``personas.profile``, an owner
    who keeps it true, and when it was last reviewed. Every change is kept in its history."""

    name = models.CharField(max_length=120, unique=True)
    summary = models.TextField(blank=True, help_text="Who they are, in a sentence or two.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personas",
        help_text="Who keeps this persona up to date.",
    )
    last_reviewed_on = models.DateField("last reviewed", null=True, blank=True)

    # 1. Demographics
    age_min = models.PositiveSmallIntegerField(
        "youngest age",
        null=True,
        blank=True,
        validators=[MinValueValidator(AGE_MIN), MaxValueValidator(AGE_MAX)],
    )
    age_max = models.PositiveSmallIntegerField(
        "oldest age",
        null=True,
        blank=True,
        validators=[MinValueValidator(AGE_MIN), MaxValueValidator(AGE_MAX)],
    )
    gender = _choice(choices.Gender, "gender")
    location = models.CharField(
        "where they live", max_length=200, blank=True, help_text="e.g. Cities in the US and UK"
    )
    marital_status = _choice(choices.MaritalStatus, "marital status")
    children = _choice(choices.Children, "children")

    # 2. Professional background
    job_titles = _prose("job titles and role", "Their titles, and what their role is about.")
    industries = models.JSONField(
        "industries", default=list, blank=True, validators=[NameListValidator()]
    )
    education = _choice(choices.Education, "education")
    income_min = models.PositiveIntegerField(
        "income from", null=True, blank=True, validators=[MaxValueValidator(INCOME_MAX)]
    )
    income_max = models.PositiveIntegerField(
        "income up to", null=True, blank=True, validators=[MaxValueValidator(INCOME_MAX)]
    )
    income_currency = models.CharField(
        "income currency", max_length=3, choices=choices.Currency.choices, default="USD"
    )

    # 3. Goals and challenges
    goals = _prose("goals and aspirations")
    challenges = _prose("challenges", "In their personal or professional lives.")
    how_we_help = _prose("how we help them overcome these challenges")

    # 4. Pain points and needs
    pain_points = _prose("problems they are trying to solve")
    needs = _prose("needs they are looking to fulfil")
    how_we_address = _prose("how our offering addresses them")

    # 5. Buying behaviour
    research_preference = _choice(choices.ResearchPreference, "how they research")
    research_sources = _choice_list(choices.ResearchSource, "where they go for information")
    buying_factors = _choice_list(choices.BuyingFactor, "what sways their decision")
    buying_notes = _prose("more on how they buy")

    # 6. Online behaviour
    social_platforms = _choice_list(choices.SocialPlatform, "social media platforms")
    content_types = _choice_list(choices.ContentType, "content they engage with")
    communities = _prose("blogs, forums and communities they follow")

    # 7. Interests and hobbies
    interests = _prose("hobbies and interests outside work")
    free_time = _prose("entertainment and free time")

    # 8. Communication preferences
    contact_channels = _choice_list(choices.ContactChannel, "how they prefer to be contacted")
    messaging = _prose("messaging they respond to")

    # 9. Influences and values
    values = _prose("values and beliefs")
    influencers = _prose("who or what influences their decisions")
    priorities = _choice_list(choices.Priority, "what they prioritise")

    # 10. Objections and barriers
    objections = _prose("concerns about our product or service")
    barriers = _prose("what might stop them buying")

    # 11. Brand loyalty and affinities
    brand_loyalty = _choice(choices.BrandLoyalty, "brand loyalty")
    trusted_brands = _prose("brands they use and trust")

    # 12. Feedback and suggestions
    feedback = _prose("their feedback on similar products")
    suggestions = _prose("their suggestions to improve their experience")

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="persona_age_range",
                violation_error_message="The youngest age is above the oldest.",
            ),
            models.CheckConstraint(
                condition=models.Q(income_min__isnull=True)
                | models.Q(income_max__isnull=True)
                | models.Q(income_min__lte=models.F("income_max")),
                name="persona_income_range",
                violation_error_message="The income range starts above its end.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("personas:detail", args=[self.pk])

    def clean(self) -> None:
        # The constraints' own check, with the message on the field a person corrects.
        errors = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = (
                f"The oldest age ({self.age_max}) must not be below the youngest ({self.age_min})."
            )
        if (
            self.income_min is not None
            and self.income_max is not None
            and self.income_min > self.income_max
        ):
            errors["income_max"] = (
                f"The income range must end at or above its start ({self.income_min:,})."
            )
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def review_cutoff(today: date | None = None) -> date:
        """A persona last reviewed on this day or before needs a review."""
        return (today or timezone.localdate()) - timedelta(days=settings.PERSONA_REVIEW_DAYS)

    @property
    def review_due_on(self) -> date | None:
        """When it next needs a review (None: it was never reviewed, so it needs one now)."""
        if self.last_reviewed_on is None:
            return None
        return self.last_reviewed_on + timedelta(days=settings.PERSONA_REVIEW_DAYS)

    @property
    def needs_review(self) -> bool:
        return self.last_reviewed_on is None or self.last_reviewed_on <= self.review_cutoff()


# Shared insights ------------------------------------------------------------------------------

INSIGHT_MAX_LENGTH = 2000


class InsightStatus(models.TextChoices):
    OPEN = "open", "Open"
    ADOPTED = "adopted", "Adopted into the profile"
    SET_ASIDE = "set_aside", "Set aside"


class PersonaInsightQuerySet(models.QuerySet):
    def open(self) -> PersonaInsightQuerySet:
        return self.filter(status=InsightStatus.OPEN)


class PersonaInsight(models.Model):
    """Something a person learned about a persona's people (on a call, in a demo, from a lost
    deal), shared with both teams for the weekly persona review. Marketing, who keeps the
    profile, either adopts it into the profile or sets it aside; either way it stays on
    record with who decided, and when."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="insights")
    section = models.CharField(
        "about",
        max_length=20,
        choices=choices.ProfileSection.choices,
        blank=True,
        help_text="The part of the profile it speaks to, if one.",
    )
    body = models.TextField("insight", max_length=INSIGHT_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="persona_insights",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(
        max_length=10, choices=InsightStatus.choices, default=InsightStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PersonaInsightQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["persona", "-created_at"], name="insight_persona_newest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=InsightStatus.OPEN, decided_at__isnull=True)
                | (~models.Q(status=InsightStatus.OPEN) & models.Q(decided_at__isnull=False)),
                name="insight_decided_when_not_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.persona}: {self.body[:60]}"


# Matching rules -------------------------------------------------------------------------------


class PersonaRules(models.Model):
    """The conditions under which a lead is this persona. Every condition that is set must
    hold (an empty list is not a condition); a lead matching several personas gets the one
    whose rules have the lowest priority number. Matching is done set-based by the scoring
    workers (``leads.scoring.matching``), the words of the lists are the leads' own
    (``personas.vocabulary``)."""

    persona = models.OneToOneField(Persona, on_delete=models.CASCADE, related_name="rules")
    priority = models.PositiveSmallIntegerField(
        unique=True, help_text="Compared lowest first: 1 wins over 2 when a lead matches both."
    )
    industries = models.JSONField(
        default=list, blank=True, help_text="Company industry is one of these (any case)."
    )
    size_bands = models.JSONField(
        default=list, blank=True, help_text="Company size band is one of these."
    )
    seniorities = models.JSONField(default=list, blank=True, help_text="Seniority is one of these.")
    departments = models.JSONField(
        default=list, blank=True, help_text="Department is one of these."
    )
    title_words = models.JSONField(
        default=list, blank=True, help_text="Job title contains any of these words (any case)."
    )
    countries = models.JSONField(
        default=list, blank=True, help_text="The lead's country is one of these ISO codes."
    )
    updated_at = models.DateTimeField(auto_now=True)

    CONDITIONS = (
        "industries",
        "size_bands",
        "seniorities",
        "departments",
        "title_words",
        "countries",
    )

    class Meta:
        ordering = ["priority"]
        verbose_name = "persona matching rules"
        verbose_name_plural = "persona matching rules"

    def __str__(self) -> str:
        return f"{self.priority}. {self.persona}"

    @property
    def conditions(self) -> dict[str, list[str]]:
        """The conditions that are set, by field name."""
        return {name: getattr(self, name) for name in self.CONDITIONS if getattr(self, name)}

    def sentences(self) -> list[str]:
        """Each set condition in words: "Seniority is C-level or Owner / founder"."""
        from personas.vocabulary import vocabulary

        words = vocabulary()
        labels = {
            "size_bands": dict(words.size_bands),
            "seniorities": dict(words.seniorities),
            "departments": dict(words.departments),
        }
        names = {
            "industries": "Company industry is",
            "size_bands": "Company size is",
            "seniorities": "Seniority is",
            "departments": "Department is",
            "title_words": "Job title contains",
            "countries": "Country is",
        }
        sentences = []
        for name, values in self.conditions.items():
            shown = [labels.get(name, {}).get(value, value) for value in values]
            if name == "title_words":
                shown = [f"“{value}”" for value in shown]
            listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
            sentences.append(f"{names[name]} {listed}")
        return sentences
