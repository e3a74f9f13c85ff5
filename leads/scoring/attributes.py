"""The registry of lead and company attributes a fit rule may score on, the operators each
kind of attribute allows, and how an attribute and its values read in a sentence."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django_countries import countries

from leads.models import Channel, Consent, Department, RevenueBand, Seniority, SizeBand


class Kind(models.TextChoices):
    TEXT = "text", "Text"
    CHOICE = "choice", "Choice"
    NUMBER = "number", "Number"
    PERSONA = "persona", "Persona"


class Operator(models.TextChoices):
    EQUALS = "equals", "equals"
    ONE_OF = "one_of", "is one of"
    CONTAINS = "contains", "contains"
    STARTS_WITH = "starts_with", "starts with"
    GTE = "gte", "≥"
    LTE = "lte", "≤"
    BETWEEN = "between", "between"
    IS_SET = "is_set", "is set"
    IS_EMPTY = "is_empty", "is empty"


OPERATORS_BY_KIND: dict[str, tuple[str, ...]] = {
    Kind.TEXT: (
        Operator.EQUALS, Operator.ONE_OF, Operator.CONTAINS, Operator.STARTS_WITH,
        Operator.IS_SET, Operator.IS_EMPTY,
    ),
    Kind.CHOICE: (Operator.EQUALS, Operator.ONE_OF, Operator.IS_SET, Operator.IS_EMPTY),
    Kind.NUMBER: (
        Operator.EQUALS, Operator.ONE_OF, Operator.GTE, Operator.LTE, Operator.BETWEEN,
        Operator.IS_SET, Operator.IS_EMPTY,
    ),
    # Values are persona names; "is empty" reads "is none".
    Kind.PERSONA: (Operator.EQUALS, Operator.ONE_OF, Operator.IS_SET, Operator.IS_EMPTY),
}  # fmt: skip

# Operators that take no value.
VALUELESS_OPERATORS = frozenset({Operator.IS_SET, Operator.IS_EMPTY})


def _in_sentence(label: str) -> str:
    """``Vice president`` → ``vice president`` inside a sentence; ``C-level``, ``IT`` and a
    name such as ``LinkedIn`` keep their capitals."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isalpha() and first[0].isupper() and first[1:].islower():
        return label[0].lower() + label[1:]
    return label


@dataclass(frozen=True)
class Attribute:
    """A scorable attribute: its name in rules, its label in forms, its ORM path from Lead, its
    kind, and how a sentence names it (``noun``, when the label says more than a sentence needs:
    "Company size is 201–1,000" for "Company size band")."""

    name: str
    label: str
    path: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    noun: str = ""
    is_country: bool = False

    @property
    def choice_values(self) -> frozenset[str]:
        return frozenset(value for value, _label in self.choices)

    @property
    def sentence_name(self) -> str:
        return self.noun or self.label

    def value_text(self, value: object) -> str:
        """One value as people read it inside a sentence: a choice by its label, a country by
        its name, a number with thousands separators, and free text as typed, in quotes."""
        if self.choices:
            return _in_sentence(dict(self.choices).get(value, str(value)))
        if self.is_country:
            return countries.name(str(value)) or str(value)
        if self.kind == Kind.NUMBER and isinstance(value, int | float):
            return f"{value:,}"
        if self.kind == Kind.PERSONA:
            return str(value)
        return f"“{value}”"


ATTRIBUTES: tuple[Attribute, ...] = (
    # The lead's persona as the scoring statement matches it (or as set by hand): fit can reward
    # the persona both teams agreed on (``leads.scoring.matching``).
    Attribute("persona", "Persona", "persona", Kind.PERSONA),
    Attribute("seniority", "Seniority", "seniority", Kind.CHOICE, tuple(Seniority.choices)),
    Attribute("department", "Department", "department", Kind.CHOICE, tuple(Department.choices)),
    Attribute("job_title", "Job title", "job_title", Kind.TEXT),
    Attribute("email", "E-mail", "email", Kind.TEXT),
    Attribute("phone", "Phone", "phone", Kind.TEXT),
    Attribute(
        "country", "Country (ISO code)", "country", Kind.TEXT, noun="Country", is_country=True
    ),
    Attribute(
        "original_channel", "Original channel", "original_channel", Kind.CHOICE,
        tuple(Channel.choices),
    ),
    Attribute(
        "latest_channel", "Latest channel", "latest_channel", Kind.CHOICE, tuple(Channel.choices)
    ),
    Attribute("original_utm_source", "Original UTM source", "original_utm_source", Kind.TEXT),
    Attribute("consent", "Consent", "consent", Kind.CHOICE, tuple(Consent.choices)),
    Attribute("company.name", "Company name", "company__name", Kind.TEXT),
    Attribute("company.domain", "Company domain", "company__domain", Kind.TEXT),
    Attribute("company.industry", "Company industry", "company__industry", Kind.TEXT),
    Attribute(
        "company.size_band", "Company size band", "company__size_band", Kind.CHOICE,
        tuple(SizeBand.choices), noun="Company size",
    ),
    Attribute(
        "company.employee_count", "Company employees", "company__employee_count", Kind.NUMBER
    ),
    Attribute(
        "company.annual_revenue_band", "Company annual revenue band",
        "company__annual_revenue_band", Kind.CHOICE, tuple(RevenueBand.choices),
        noun="Company annual revenue",
    ),
    Attribute(
        "company.country", "Company country (ISO code)", "company__country", Kind.TEXT,
        noun="Company country", is_country=True,
    ),
)  # fmt: skip

ATTRIBUTES_BY_NAME = {attribute.name: attribute for attribute in ATTRIBUTES}
ATTRIBUTE_CHOICES = [(attribute.name, attribute.label) for attribute in ATTRIBUTES]
