"""Django admin of scoring models: drafts are edited here; active and archived versions are
read-only and can only be cloned into a new draft."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_next_version,
)


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


class FitRuleForm(PositionedRuleForm):
    value = TextOrJSONField(
        required=False,
        widget=forms.TextInput,
        help_text='vp · ["vp", "c_level"] · 200 · [50, 500] · blank for is set / is empty',
    )

    class Meta:
        model = FitRule
        fields = ["position", "group", "attribute", "operator", "value", "points"]


class DraftOnlyInline:
    """Inlines follow their scoring model: editable while it is a draft only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)


class FitGroupInline(DraftOnlyInline, admin.TabularInline):
    model = FitGroup
    extra = 0


class FitRuleInline(DraftOnlyInline, admin.TabularInline):
    model = FitRule
    form = FitRuleForm
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            model_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = FitGroup.objects.filter(model_id=model_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EngagementRuleInline(DraftOnlyInline, admin.TabularInline):
    model = EngagementRule
    form = PositionedRuleForm
    extra = 1
    fields = [
        "position", "event_type", "property_key", "property_operator", "property_value",
        "points", "half_life_days", "window_days", "cap",
    ]  # fmt: skip


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "status", "activated_at", "activated_by", "archived_at"]
    list_filter = ["status"]
    readonly_fields = [
        "version", "status", "created_by", "created_at", "activated_by", "activated_at",
        "archived_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["name", "description", "version", "status"]}),
        ("Bands", {"fields": [("hot_threshold", "warm_threshold"), "overall_cap"]}),
        (
            "Grade",
            {
                "fields": [
                    ("fit_a", "fit_b", "fit_c"),
                    ("engagement_1", "engagement_2", "engagement_3"),
                ]
            },
        ),
        (
            "History",
            {
                "fields": [
                    ("created_by", "created_at"),
                    ("activated_by", "activated_at"),
                    "archived_at",
                ]
            },
        ),
    ]
    inlines = [FitGroupInline, FitRuleInline, EngagementRuleInline]
    actions = ["activate", "clone"]

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.version = scoring_model_next_version()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Activate the selected draft (archives the active version)")
    def activate(self, request, queryset: QuerySet[ScoringModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one draft to activate.", messages.ERROR)
            return
        model = queryset.get()
        try:
            scoring_model_activate(model=model, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(
                    request, f"Version {model.version} not activated: {message}", messages.ERROR
                )
            return
        self.message_user(
            request, f"Version {model.version} ({model.name}) is now the active scoring model."
        )

    @admin.action(description="Clone into a new draft")
    def clone(self, request, queryset: QuerySet[ScoringModel]) -> None:
        for model in queryset:
            copy = scoring_model_clone(model=model, actor=request.user)
            self.message_user(
                request, f"Version {model.version} cloned into draft version {copy.version}."
            )
