"""A persona's profile as the twelve question groups both teams answer (the first article's
"Create one target persona"): each group's questions and the fields that answer them. The
form, the persona page and the history read the profile from here, in this order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import JSONField

from personas.choices import ProfileSection
from personas.models import Persona
from personas.validators import ChoiceListValidator


@dataclass(frozen=True)
class QuestionGroup:
    group: ProfileSection
    questions: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.group.value

    @property
    def title(self) -> str:
        return self.group.label


QUESTION_GROUPS: tuple[QuestionGroup, ...] = (
    QuestionGroup(
        ProfileSection.DEMOGRAPHICS,
        (
            "What is their age range?",
            "What is their gender?",
            "Where do they live?",
            "What is their marital status?",
            "Do they have children?",
        ),
        ("age_min", "age_max", "gender", "location", "marital_status", "children"),
    ),
    QuestionGroup(
        ProfileSection.PROFESSIONAL,
        (
            "What is their job title and role?",
            "What industry do they work in?",
            "What level of education do they have?",
            "What is their income range?",
        ),
        ("job_titles", "industries", "education", "income_min", "income_max", "income_currency"),
    ),
    QuestionGroup(
        ProfileSection.GOALS,
        (
            "What are their primary goals and aspirations?",
            "What challenges do they face in their personal or professional lives?",
            "How does our product or service help them overcome these challenges?",
        ),
        ("goals", "challenges", "how_we_help"),
    ),
    QuestionGroup(
        ProfileSection.PAIN_POINTS,
        (
            "What problems are they trying to solve?",
            "What needs are they looking to fulfil?",
            "How does our offering address these pain points and needs?",
        ),
        ("pain_points", "needs", "how_we_address"),
    ),
    QuestionGroup(
        ProfileSection.BUYING,
        (
            "Where do they typically go for information when researching products or services?",
            "Do they prefer online research, word of mouth, or other sources?",
            "What factors influence their purchasing decisions? Price, quality, brand reputation?",
        ),
        ("research_preference", "research_sources", "buying_factors", "buying_notes"),
    ),
    QuestionGroup(
        ProfileSection.ONLINE,
        (
            "Which social media platforms do they use?",
            "What type of content do they engage with online?",
            "Do they follow specific blogs, forums, or online communities?",
        ),
        ("social_platforms", "content_types", "communities"),
    ),
    QuestionGroup(
        ProfileSection.INTERESTS,
        (
            "What are their hobbies and interests outside of work?",
            "What kind of entertainment do they enjoy?",
            "What do they do during their free time?",
        ),
        ("interests", "free_time"),
    ),
    QuestionGroup(
        ProfileSection.COMMUNICATION,
        (
            "How do they prefer to communicate? E-mail, phone calls, social media?",
            "Are they more likely to respond to certain types of messaging?",
        ),
        ("contact_channels", "messaging"),
    ),
    QuestionGroup(
        ProfileSection.VALUES,
        (
            "What values and beliefs are important to them?",
            "Who or what influences their decision-making process?",
            "Do they prioritise sustainability, convenience, or other factors?",
        ),
        ("values", "influencers", "priorities"),
    ),
    QuestionGroup(
        ProfileSection.OBJECTIONS,
        (
            "What concerns or reservations might they have about our product or service?",
            "What might prevent them from making a purchase?",
        ),
        ("objections", "barriers"),
    ),
    QuestionGroup(
        ProfileSection.LOYALTY,
        ("Are they loyal to certain brands?", "What brands do they currently use and trust?"),
        ("brand_loyalty", "trusted_brands"),
    ),
    QuestionGroup(
        ProfileSection.FEEDBACK,
        (
            "What feedback do they give about products or services similar to ours?",
            "What suggestions do they have for improving their experience?",
        ),
        ("feedback", "suggestions"),
    ),
)

PROFILE_FIELDS: tuple[str, ...] = tuple(name for group in QUESTION_GROUPS for name in group.fields)
# What a person edits: the profile with its name, summary and owner (the review date is set by
# "mark reviewed", and on creation).
EDITABLE_FIELDS: tuple[str, ...] = ("name", "summary", "owner", *PROFILE_FIELDS)


def list_choices(name: str):
    """The ``TextChoices`` of a list answer, or None if the field is not a list of choices."""
    field = Persona._meta.get_field(name)
    if not isinstance(field, JSONField):
        return None
    for validator in field.validators:
        if isinstance(validator, ChoiceListValidator):
            return validator.choices
    return None


def is_list(name: str) -> bool:
    return isinstance(Persona._meta.get_field(name), JSONField)


def field_label(name: str) -> str:
    label = str(Persona._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def value_display(name: str, value: Any, owners: dict[int, str] | None = None) -> str:
    """A stored answer as people read it: labels for choices, lists joined, "" when empty."""
    if value in (None, "", []):
        return ""
    if name in ("owner", "owner_id"):
        return (owners or {}).get(value, f"user #{value}") if isinstance(value, int) else str(value)
    if is_list(name):
        labels = dict(list_choices(name).choices) if list_choices(name) else {}
        return ", ".join(labels.get(item, str(item)) for item in value)
    field = Persona._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if name in ("income_min", "income_max"):
        return f"{value:,}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
