"""Forms of the personas app: the profile by question group, the delete confirmation and the
matching rules."""

from __future__ import annotations

import re

from django import forms

from personas import selectors
from personas.choices import ProfileSection
from personas.models import INSIGHT_MAX_LENGTH, Persona, PersonaRules
from personas.profile import EDITABLE_FIELDS, QUESTION_GROUPS, list_choices
from personas.validators import NAMES_MAX
from personas.vocabulary import vocabulary


class IndustriesField(forms.CharField):
    """Industries, one a line (or separated by commas), as a list of names."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        names = [name.strip() for line in text.splitlines() for name in line.split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        if len(names) > NAMES_MAX:
            raise forms.ValidationError(f"Name at most {NAMES_MAX} industries.")
        return names


class PersonaForm(forms.ModelForm):
    """The whole profile. The model validates the ranges (``Persona.clean``) and the lists; the
    view hands the cleaned data to the personas' services."""

    class Meta:
        model = Persona
        fields = EDITABLE_FIELDS
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.owner_choices()
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        for name in EDITABLE_FIELDS:
            if choice_set := list_choices(name):
                self.fields[name] = forms.MultipleChoiceField(
                    label=self.fields[name].label,
                    choices=choice_set.choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
        self.fields["industries"] = IndustriesField(
            label="Industries", required=False, help_text=self._industries_help()
        )
        for name, bound in self.fields.items():
            widget = bound.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.Textarea) and name != "summary":
                widget.attrs.setdefault("rows", 3)

    @staticmethod
    def _industries_help() -> str:
        used = selectors.industries_in_use()
        hint = "One a line, or separated by commas."
        return f"{hint} Your companies’ industries: {', '.join(used)}." if used else hint

    def groups(self):
        """The form's fields by question group, for the template: (group, its bound fields)."""
        return [(group, [self[name] for name in group.fields]) for group in QUESTION_GROUPS]

    def about(self):
        return [self[name] for name in ("name", "summary", "owner")]


def words_split(text: str) -> list[str]:
    """``"Software, Financial services"`` or one a line → ``["Software", "Financial services"]``."""
    return [part.strip() for part in re.split(r"[,\n]", text or "") if part.strip()]


class PersonaRulesForm(forms.Form):
    """The persona's matching rules as a person edits them; the service checks the values."""

    priority = forms.IntegerField(
        min_value=1,
        max_value=32767,
        help_text="Compared lowest first: a lead matching two personas gets the lower number.",
    )
    industries = forms.CharField(
        required=False,
        label="Company industry is one of",
        widget=forms.TextInput,
        help_text="Comma-separated, any case: Software, Financial services",
    )
    size_bands = forms.MultipleChoiceField(
        required=False, label="Company size is one of", widget=forms.CheckboxSelectMultiple
    )
    seniorities = forms.MultipleChoiceField(
        required=False, label="Seniority is one of", widget=forms.CheckboxSelectMultiple
    )
    departments = forms.MultipleChoiceField(
        required=False, label="Department is one of", widget=forms.CheckboxSelectMultiple
    )
    title_words = forms.CharField(
        required=False,
        label="Job title contains any of",
        widget=forms.TextInput,
        help_text="Comma-separated words or phrases, any case: marketing, growth, demand",
    )
    countries = forms.CharField(
        required=False,
        label="Country is one of",
        widget=forms.TextInput,
        help_text="ISO codes, comma-separated: US, GB, DE",
    )

    TEXT_LISTS = ("industries", "title_words", "countries")

    def __init__(self, *args, rules: PersonaRules | None = None, **kwargs) -> None:
        if rules is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "priority": rules.priority,
                **{name: getattr(rules, name) for name in PersonaRules.CONDITIONS},
                **{name: ", ".join(getattr(rules, name)) for name in self.TEXT_LISTS},
            }
        super().__init__(*args, **kwargs)
        words = vocabulary()
        self.fields["size_bands"].choices = words.size_bands
        self.fields["seniorities"].choices = words.seniorities
        self.fields["departments"].choices = words.departments
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")
            else:
                field.widget.attrs.setdefault("class", "form-control")

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        for name in self.TEXT_LISTS:
            data[name] = words_split(data[name])
        return data


class InsightForm(forms.Form):
    """An insight shared on the persona page; ``persona_insight_share`` checks it again."""

    body = forms.CharField(
        label="What did you learn?",
        max_length=INSIGHT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control form-control-sm",
                "placeholder": "e.g. Three demos this week asked about the HubSpot sync first.",
            }
        ),
        error_messages={
            "required": "Write the insight: what did you hear or see?",
            "max_length": f"An insight is at most {INSIGHT_MAX_LENGTH:,} characters "
            "(%(show_value)s given).",
        },
    )
    section = forms.ChoiceField(
        label="About",
        choices=[("", "The persona in general"), *ProfileSection.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
