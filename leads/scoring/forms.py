"""Forms of the scoring lab: a draft's bands and thresholds, its groups and rules as formsets
(written through the editing services, as the admin's are), the activation moment, the
backtest's period, and the periods the lab's suggestions are learned from and checked on."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from leads.scoring import editing
from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel
from leads.scoring.services import schedule_moment_problem


class TextOrJSONField(forms.JSONField):
    """A rule's value: JSON (``200``, ``["vp", "c_level"]``, ``[50, 500]``) or plain text
    (``vp``), so that the rule's own check can say what is wrong with it."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return value.strip()

    def prepare_value(self, value):
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def bound_data(self, data, initial):
        return data


class PositionedRuleForm(forms.ModelForm):
    """Numbers a rule by its row when no position is given, so messages name "Rule 3"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("position"):
            cleaned_data["position"] = int(self.prefix.rsplit("-", 1)[-1]) + 1
        return cleaned_data


# Writing forms through the services --------------------------------------------------------


class RowRefused(Exception):
    """A service refused a form's record; the form now carries the refusal (``messages``)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


def refusal_messages(refusal: ValidationError | editing.NotADraft | RowRefused) -> list[str]:
    return [str(refusal)] if isinstance(refusal, editing.NotADraft) else list(refusal.messages)


def refusal_show(form: forms.BaseForm, refusal: ValidationError | editing.NotADraft) -> None:
    """Put a service's refusal on ``form``: each message beside its field, or above the form."""
    if isinstance(refusal, editing.NotADraft):
        form.add_error(None, str(refusal))
        return
    by_field = refusal.message_dict if hasattr(refusal, "error_dict") else {None: refusal.messages}
    for field, messages in by_field.items():
        form.add_error(field if field in form.fields else None, messages)


def formset_save(
    formset: forms.BaseModelFormSet,
    *,
    save: Callable[[models.Model], object],
    delete: Callable[[models.Model], object],
) -> None:
    """Write a validated formset's rows through the services: the rows marked for deletion
    through ``delete``, then the new and changed ones through ``save``. A refusal is put on its
    row's form and raised as ``RowRefused``; the caller's transaction rolls the rest back."""
    forms_by_record = {id(form.instance): form for form in formset.forms}
    saved = formset.save(commit=False)
    for record, write in [
        *((record, delete) for record in formset.deleted_objects),
        *((record, save) for record in saved),
    ]:
        try:
            write(record)
        except (ValidationError, editing.NotADraft) as refusal:
            refusal_show(forms_by_record[id(record)], refusal)
            raise RowRefused(refusal_messages(refusal)) from refusal


class ScoringModelForm(forms.ModelForm):
    class Meta:
        model = ScoringModel
        fields = [
            "name", "description", "hot_threshold", "warm_threshold", "overall_cap",
            "fit_a", "fit_b", "fit_c", "engagement_1", "engagement_2", "engagement_3",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RuleValueField(TextOrJSONField):
    """A rule's value, blank when it has none (is set, is empty) rather than ``null``."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class DraftRuleForm(PositionedRuleForm):
    """A row of the editor: a new rule's position starts blank (numbered by its row on save)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial["position"] = None


class FitRuleForm(DraftRuleForm):
    value = RuleValueField(
        required=False, widget=forms.TextInput, help_text='vp · ["vp", "c_level"] · 200 · [50, 500]'
    )

    class Meta:
        model = FitRule
        fields = ["position", "group", "attribute", "operator", "value", "points"]


class EngagementRuleForm(DraftRuleForm):
    class Meta:
        model = EngagementRule
        fields = [
            "position", "event_type", "property_key", "property_operator", "property_value",
            "points", "half_life_days", "window_days", "cap",
        ]  # fmt: skip


FitGroupFormSet = forms.inlineformset_factory(
    ScoringModel, FitGroup, fields=["name", "cap"], extra=1, can_delete=True
)
FitRuleFormSet = forms.inlineformset_factory(
    ScoringModel, FitRule, form=FitRuleForm, extra=1, can_delete=True
)
EngagementRuleFormSet = forms.inlineformset_factory(
    ScoringModel, EngagementRule, form=EngagementRuleForm, extra=1, can_delete=True
)


def _styled(form: forms.BaseForm) -> None:
    """Bootstrap's classes on every widget, small enough for a row of a rules table."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


class DraftForms:
    """The model's form and its three formsets, bound together, validated and saved together."""

    def __init__(self, model: ScoringModel, data=None) -> None:
        self.model = model
        self.form = ScoringModelForm(data, instance=model)
        self.groups = FitGroupFormSet(data, instance=model, prefix="groups")
        self.fit_rules = FitRuleFormSet(
            data, instance=model, prefix="fit", queryset=model.fit_rules.select_related("group")
        )
        self.engagement_rules = EngagementRuleFormSet(data, instance=model, prefix="engagement")
        for formset in self.formsets:
            if not model.is_editable:
                formset.extra = 0
        # The groups are read once for every rule's select, not once a rule.
        groups = list(model.fit_groups.all())
        choices = [("", "No group"), *((group.pk, group.name) for group in groups)]
        for form in self.fit_rules.forms:
            form.fields["group"].queryset = model.fit_groups.all()
            form.fields["group"].choices = choices
        for form in self.forms:
            _styled(form)
            if not model.is_editable:
                for field in form.fields.values():
                    field.disabled = True

    @property
    def formsets(self) -> list[forms.BaseInlineFormSet]:
        return [self.groups, self.fit_rules, self.engagement_rules]

    @property
    def forms(self) -> list[forms.BaseForm]:
        return [self.form, *(form for formset in self.formsets for form in formset.forms)]

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), *(formset.is_valid() for formset in self.formsets)])

    def save(self) -> bool:
        """Write the draft through the editing services (its row locked, every record checked),
        in one transaction: when a service refuses, nothing is written and the refusal is shown
        on the form it concerns. Returns whether the draft was written."""
        try:
            with transaction.atomic():
                try:
                    editing.scoring_model_update(model=self.model, **self.form.cleaned_data)
                except (ValidationError, editing.NotADraft) as refusal:
                    refusal_show(self.form, refusal)
                    raise RowRefused(refusal_messages(refusal)) from refusal
                for formset in self.formsets:
                    formset_save(
                        formset,
                        save=lambda part: editing.scoring_part_save(part=part),
                        delete=lambda part: editing.scoring_part_delete(part=part),
                    )
        except RowRefused:
            return False
        return True


class ActivateAtForm(forms.Form):
    """The moment a draft is to be activated (beat activates it within a minute of it)."""

    activate_at = forms.DateTimeField(
        label="Activate at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Until then the draft is scheduled and read-only; unschedule it to edit it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean_activate_at(self):
        moment = self.cleaned_data["activate_at"]
        problem = schedule_moment_problem(moment)
        if problem:
            raise ValidationError(problem)
        return moment


class BacktestForm(forms.Form):
    created_from = forms.DateField(
        label="Leads created from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(
        label="Scored as of this many days after creation", min_value=0, max_value=365, initial=30
    )

    def __init__(self, *args, learned_until: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.learned_until = learned_until
        self.fields["created_from"].initial = today - datetime.timedelta(days=365)
        self.fields["created_to"].initial = today - datetime.timedelta(days=90)
        if learned_until:
            # A draft made from the lab's suggestions is checked on the leads after its
            # fitting period only.
            self.fields["created_from"].initial = learned_until + datetime.timedelta(days=1)
            self.fields["created_to"].initial = max(
                learned_until + datetime.timedelta(days=1), today - datetime.timedelta(days=30)
            )
        _styled(self)

    def clean(self):
        cleaned_data = super().clean()
        first, last = cleaned_data.get("created_from"), cleaned_data.get("created_to")
        days = cleaned_data.get("days")
        if first and last and first > last:
            self.add_error("created_to", "The period ends before it starts.")
        elif first and self.learned_until and first <= self.learned_until:
            self.add_error(
                "created_from",
                f"This draft was learned from the MQLs up to {self.learned_until:%d %b %Y}: "
                "start after that day, so it is not checked on its own training data.",
            )
        elif last and days is not None:
            latest = timezone.localdate() - datetime.timedelta(days=days)
            if last > latest:
                self.add_error(
                    "created_to",
                    f"Leads created after {latest:%d %b %Y} have not had {days} days yet: "
                    "end the period by then.",
                )
        return cleaned_data

    @property
    def parameters(self) -> dict:
        data = self.cleaned_data
        return {
            "created_from": data["created_from"].isoformat(),
            "created_to": data["created_to"].isoformat(),
            "days": data["days"],
        }


class SuggestionsForm(forms.Form):
    """The lab's suggestions: learned from the MQLs of [fit_from, split), checked on those of
    [split, later_to], a lead counting as converted when it reached SQL within ``days``."""

    fit_from = forms.DateField(
        label="Learn from MQLs from", widget=forms.DateInput(attrs={"type": "date"})
    )
    split = forms.DateField(
        label="Check on MQLs from", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The fit never sees the MQLs from this day on.",
    )  # fmt: skip
    later_to = forms.DateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(
        label="Converted: reached SQL within this many days of MQL",
        min_value=1, max_value=365, initial=60,
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["fit_from"].initial = today - datetime.timedelta(days=365)
        self.fields["split"].initial = today - datetime.timedelta(days=60)
        self.fields["later_to"].initial = today
        _styled(self)

    def clean(self):
        cleaned_data = super().clean()
        first, split, last = (cleaned_data.get(name) for name in ("fit_from", "split", "later_to"))
        if first and split and split <= first:
            self.add_error("split", "The later period starts after the fitting period begins.")
        elif split and last and last < split:
            self.add_error("later_to", "The later period ends before it starts.")
        elif last and last > timezone.localdate():
            self.add_error("later_to", "The later period cannot end in the future.")
        return cleaned_data

    @property
    def parameters(self) -> dict:
        data = self.cleaned_data
        return {
            "fit_from": data["fit_from"].isoformat(),
            "split": data["split"].isoformat(),
            "later_to": data["later_to"].isoformat(),
            "days": data["days"],
        }
