"""Forms of the sla app: a draft of the agreement, and a shared goal."""

from __future__ import annotations

from django import forms

from leads.models import Channel
from sla.models import Agreement, Goal
from sla.services import AGREEMENT_FIELDS, GOAL_FIELDS


class AgreementForm(forms.ModelForm):
    """A draft's terms; ``sla.services`` validates them again when it saves."""

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        widgets = {
            "effective_from": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class GoalForm(forms.ModelForm):
    """A shared goal; ``sla.services.goal_save`` validates it again when it saves."""

    channels = forms.MultipleChoiceField(
        label="Sources",
        choices=Channel.choices,
        required=False,
        help_text="Leads from these sources only; none chosen for all.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Goal
        fields = [*GOAL_FIELDS, "owner_teams"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def _post_clean(self) -> None:
        # The service validates the model (and says which field is wrong) when it saves.
        pass
