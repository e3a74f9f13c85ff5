"""Forms of the sla app: a draft of the agreement."""

from __future__ import annotations

from django import forms

from sla.models import Agreement
from sla.services import AGREEMENT_FIELDS


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
