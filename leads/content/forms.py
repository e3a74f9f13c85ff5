"""Forms of sending content to a lead and rating the send."""

from __future__ import annotations

from django import forms

from leads.content.models import RATING_NOTE_MAX_LENGTH
from leads.content.services import SEND_NOTE_MAX_LENGTH


class _Form(forms.Form):
    def errors_text(self) -> list[str]:
        return [f"{self.fields[name].label or name}: {' '.join(errors)}" if name in self.fields
                else " ".join(errors) for name, errors in self.errors.items()]  # fmt: skip


class SendForm(_Form):
    note = forms.CharField(required=False, max_length=SEND_NOTE_MAX_LENGTH, label="Note")


class RateForm(_Form):
    useful = forms.TypedChoiceField(
        choices=[("yes", "Useful"), ("no", "Not useful")],
        coerce=lambda value: value == "yes",
        label="Verdict",
    )
    note = forms.CharField(required=False, max_length=RATING_NOTE_MAX_LENGTH, label="Note")
