"""Forms of the personas app."""

from __future__ import annotations

import re

from django import forms

from personas.models import PersonaRules
from personas.vocabulary import vocabulary


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
