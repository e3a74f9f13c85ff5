"""Models of the personas app: documented buyer personas and the rules that match leads."""

from __future__ import annotations

from django.db import models


class Persona(models.Model):
    """A documented buyer persona. Its question groups and matching rules grow here."""

    name = models.CharField(max_length=120, unique=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
