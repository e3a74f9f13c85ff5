"""Forms of the leads app."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from journeys.models import JourneyStage
from leads.models import RejectionReason, Stage, Touch
from leads.permissions import Change, may_recycle_some_leads, owner_candidates, role_may
from leads.scoring.matching import AUTOMATIC
from leads.scoring.models import SQL_CHECKLIST_ITEMS
from leads.services import NOTE_MAX_LENGTH
from personas.models import Persona


def rejection_reason_field(**options) -> forms.ModelChoiceField:
    """The reason codes a rep may choose, posted by code."""
    options.setdefault("required", False)
    options["error_messages"] = {
        "invalid_choice": "That is not one of the reasons to choose.",
        **options.get("error_messages", {}),
    }
    return forms.ModelChoiceField(
        queryset=RejectionReason.objects.filter(active=True),
        to_field_name="code",
        empty_label="Reason…",
        label="Reason",
        **options,
    )


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    expected_stage = forms.ChoiceField(
        choices=Stage.choices, required=False, widget=forms.HiddenInput
    )
    # Required to recycle or disqualify; the lifecycle says so when it is missing.
    rejection_reason = rejection_reason_field()
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "Note (for marketing)"}),
    )


class SqlChecklistForm(forms.Form):
    """What a rep has confirmed on an accepted lead: the items the active SQL criteria require
    (budget, authority, need, timeline by default). Items left out are not changed."""

    def __init__(self, *args, items: Iterable[str] = tuple(SQL_CHECKLIST_ITEMS), **kwargs):
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"{item}_confirmed"] = forms.BooleanField(
                required=False, label=SQL_CHECKLIST_ITEMS[item]
            )


class TouchForm(forms.ModelForm):
    class Meta:
        model = Touch
        fields = ["kind", "outcome", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "placeholder": "What was said"})}


class NoteForm(forms.Form):
    body = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Add a note for both teams"}),
    )


class RejectForm(forms.Form):
    """Reject one MQL: back to marketing's nurture (recycled) or out of the funnel
    (disqualified), with a reason code and a note marketing will read."""

    OUTCOMES = [
        (Stage.RECYCLED.value, "Recycle to nurture"),
        (Stage.DISQUALIFIED.value, "Disqualify"),
    ]

    # Recycled unless the rep says otherwise.
    outcome = forms.ChoiceField(choices=OUTCOMES, required=False, label="Then")
    rejection_reason = rejection_reason_field(
        required=True, error_messages={"required": "Choose a reason to reject the lead."}
    )
    reason = forms.CharField(max_length=1000, required=False, label="Note")

    def clean_outcome(self) -> str:
        return self.cleaned_data["outcome"] or Stage.RECYCLED.value


class BulkActionForm(forms.Form):
    """What to do with the leads ticked on the list; ``user`` is offered only what their role
    may do (``leads.permissions``; the lifecycle and ``leads_assign`` still judge each lead)."""

    ASSIGN = "assign"
    RECYCLE = "recycle"
    MAX_LEADS = 500

    action = forms.ChoiceField(choices=[(ASSIGN, "Assign selected to…"), (RECYCLE, "Recycle")])
    leads = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    owner = forms.ModelChoiceField(
        queryset=owner_candidates(),
        required=False,
        empty_label="Nobody (unassign)",
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": "Owner"}),
    )
    rejection_reason = rejection_reason_field(
        widget=forms.Select(
            attrs={"class": "form-select form-select-sm", "aria-label": "Reason (to recycle)"}
        )
    )
    reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, user, **kwargs):
        # Its fields' ids differ from the lead filters' beside it on the list page (both have
        # an owner); the names, which the request carries, stay the same.
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        # Any id is a valid choice here; leads that do not exist are simply not changed.
        self.fields["leads"].valid_value = lambda value: str(value).isdigit()
        self.fields["leads"].error_messages["required"] = "Select at least one lead."
        actions = []
        if role_may(user, Change.ASSIGN):
            actions.append((self.ASSIGN, "Assign selected to…"))
        elif role_may(user, Change.CLAIM):
            # A rep takes unowned leads for themselves; a manager assigns them to others.
            actions.append((self.ASSIGN, "Assign selected to me"))
            owner = self.fields["owner"]
            owner.queryset, owner.empty_label = owner_candidates().filter(pk=user.pk), None
            owner.choices = [(user.pk, "Me")]
            owner.error_messages["invalid_choice"] = (
                "You may take leads only for yourself; a manager assigns them to others."
            )
        if may_recycle_some_leads(user):
            actions.append((self.RECYCLE, "Recycle selected"))
        self.fields["action"].choices = actions
        self.fields["action"].error_messages["invalid_choice"] = (
            "Your role may not %(value)s leads."
        )

    @property
    def offers_assign(self) -> bool:
        return any(value == self.ASSIGN for value, _ in self.fields["action"].choices)

    @property
    def offers_recycle(self) -> bool:
        return any(value == self.RECYCLE for value, _ in self.fields["action"].choices)

    def clean(self):
        data = super().clean()
        if len(data.get("leads") or []) > self.MAX_LEADS:
            raise forms.ValidationError(f"Select at most {self.MAX_LEADS} leads at a time.")
        if data.get("action") == self.RECYCLE and not data.get("rejection_reason"):
            self.add_error("rejection_reason", "Choose a reason to recycle leads.")
        return data


# Persona and journey stage set by hand ------------------------------------------------------


class LeadMatchingForm(forms.Form):
    """The lead's persona and journey stage: automatic (the rules), one chosen by hand, or
    none by hand."""

    NONE = "none"
    persona = forms.ChoiceField(label="Persona")
    journey_stage = forms.ChoiceField(label="Journey stage")

    def __init__(self, *args, lead, **kwargs) -> None:
        self.personas = {str(p.pk): p for p in Persona.objects.order_by("name")}
        self.stages = {str(s.pk): s for s in JourneyStage.objects.order_by("position")}
        initial = {
            "persona": (str(lead.persona_id or self.NONE) if lead.persona_manual else AUTOMATIC),
            "journey_stage": (
                str(lead.journey_stage_id or self.NONE) if lead.journey_stage_manual else AUTOMATIC
            ),
        }
        super().__init__(*args, initial=initial, **kwargs)
        for name, options in (("persona", self.personas), ("journey_stage", self.stages)):
            self.fields[name].choices = [
                (AUTOMATIC, "Automatic (the matching rules)"),
                (self.NONE, "None (by hand)"),
                *((key, f"{option} (by hand)") for key, option in options.items()),
            ]
            self.fields[name].widget.attrs["class"] = "form-select"

    def service_arguments(self) -> dict:
        def chosen(value: str, options: dict):
            if value == AUTOMATIC:
                return AUTOMATIC
            return None if value == self.NONE else options[value]

        return {
            "persona": chosen(self.cleaned_data["persona"], self.personas),
            "journey_stage": chosen(self.cleaned_data["journey_stage"], self.stages),
        }


class PrivacyExportForm(forms.Form):
    """Export a lead's data on the person's request."""

    reference = forms.CharField(
        max_length=200, required=False, strip=True, label="Request reference",
        help_text="The request's own reference, e.g. a ticket number (optional).",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )  # fmt: skip


class PrivacyEraseForm(PrivacyExportForm):
    """Erase a lead's personal data on the person's request, the e-mail typed again."""

    confirm_email = forms.CharField(
        max_length=254, strip=True, label="The lead's e-mail, to confirm",
        help_text="Erasure cannot be undone.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )  # fmt: skip
