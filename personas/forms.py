"""Forms of the personas app: the profile by question group, and the delete confirmation."""

from __future__ import annotations

from django import forms

from personas import selectors
from personas.models import Persona
from personas.profile import EDITABLE_FIELDS, QUESTION_GROUPS, list_choices
from personas.validators import NAMES_MAX


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
