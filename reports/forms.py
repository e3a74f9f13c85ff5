"""Forms of the reports app: the meeting's record and its action items."""

from __future__ import annotations

from django import forms

from reports.meeting import people
from reports.models import ActionItem, Meeting


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs.setdefault(
            "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class MeetingRecordForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        queryset=people(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Meeting
        fields = ["attendees", "notes", "decisions"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people()
        self.fields["attendees"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        _styled(self)


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["text", "owner", "due_on"]
        labels = {"text": "Action", "owner": "Owner", "due_on": "Due"}
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        self.fields["owner"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        _styled(self)
