"""Django admin of scoring models: drafts are edited here; active and archived versions are
read-only and can only be cloned into a new draft. Also the qualification criteria: what an MQL
and an SQL are, one active set of each."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from leads.scoring.forms import PositionedRuleForm, TextOrJSONField
from leads.scoring.models import (
    SQL_CHECKLIST_ITEMS,
    EngagementRule,
    FitGroup,
    FitRule,
    QualificationCondition,
    QualificationCriteria,
    ScoringModel,
)
from leads.scoring.qualification import (
    criteria_activate,
    criteria_cache_clear,
    criteria_definition,
)
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_next_version,
)


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


# Qualification criteria ---------------------------------------------------------------------

MQL_FIELDS = ("match", "min_total", "min_fit", "min_engagement", "event_type", "event_within_days")


class QualificationCriteriaForm(forms.ModelForm):
    sql_checklist = forms.MultipleChoiceField(
        choices=list(SQL_CHECKLIST_ITEMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="SQL only: what a rep must confirm before moving a lead to SQL.",
    )

    class Meta:
        model = QualificationCriteria
        fields = ["kind", "name", "is_active", *MQL_FIELDS, "sql_checklist", "notes"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == QualificationCriteria.Kind.SQL:
            for field in MQL_FIELDS[1:]:
                if data.get(field) not in (None, ""):
                    label = self.fields[field].label
                    self.add_error(
                        field,
                        f"“{label}” is an MQL condition; an SQL criteria set is a checklist only, "
                        "so leave it empty.",
                    )
        if data.get("event_within_days") == 0:
            self.add_error(
                "event_within_days",
                "The event condition can never hold within 0 days: give at least 1 day.",
            )
        if data.get("is_active") and kind:
            other = (
                QualificationCriteria.objects.active()
                .filter(kind=kind)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_active",
                    f"“{other.name}” is the active {other.get_kind_display()} criteria set and "
                    "only one can be active: save this one inactive, then use the action "
                    "“Make the selected criteria active”.",
                )
        return data


class QualificationConditionForm(PositionedRuleForm):
    value = TextOrJSONField(
        required=False,
        widget=forms.TextInput,
        help_text='vp · ["201-1000", "1001-5000"] · 200 · [50, 500] · blank for is set / is empty',
    )

    class Meta:
        model = QualificationCondition
        fields = ["position", "attribute", "operator", "value"]


class QualificationConditionFormSet(forms.BaseInlineFormSet):
    """Checks the conditions with the set they belong to (its fields as just entered)."""

    def clean(self) -> None:
        super().clean()
        criteria = self.instance
        kept = [
            form
            for form in self.forms
            if not getattr(form, "cleaned_data", {}).get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
        if criteria.kind == QualificationCriteria.Kind.SQL and kept:
            raise ValidationError(
                "An SQL criteria set is a checklist: attribute conditions apply to MQL criteria "
                "only, so remove them."
            )
        minimums = [criteria.min_total, criteria.min_fit, criteria.min_engagement]
        has_own = any(minimum is not None for minimum in minimums) or bool(criteria.event_type)
        is_active_mql = criteria.kind == QualificationCriteria.Kind.MQL and criteria.is_active
        if is_active_mql and not kept and not has_own:
            raise ValidationError(
                "An active MQL criteria set needs at least one condition (a minimum score, an "
                "event or an attribute condition); without one it would never qualify anyone."
            )


class QualificationConditionInline(admin.TabularInline):
    model = QualificationCondition
    form = QualificationConditionForm
    formset = QualificationConditionFormSet
    extra = 1
    verbose_name = "attribute condition"


@admin.register(QualificationCriteria)
class QualificationCriteriaAdmin(admin.ModelAdmin):
    form = QualificationCriteriaForm
    list_display = ["name", "kind", "is_active", "definition", "updated_at"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["definition", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "name", "is_active", "definition", "notes"]}),
        (
            "MQL: a lead in subscriber or lead becomes an MQL when these hold",
            {
                "fields": [
                    "match",
                    ("min_total", "min_fit", "min_engagement"),
                    ("event_type", "event_within_days"),
                ],
                "description": "Attribute conditions are listed below.",
            },
        ),
        ("SQL: a rep confirms this checklist on an accepted lead", {"fields": ["sql_checklist"]}),
        ("History", {"fields": [("created_by", "created_at"), "updated_at"]}),
    ]
    inlines = [QualificationConditionInline]
    actions = ["make_active"]

    def get_queryset(self, request) -> QuerySet[QualificationCriteria]:
        # The list shows each set's definition, which reads its conditions.
        return super().get_queryset(request).prefetch_related("conditions")

    @admin.display(description="Definition (shown beside every MQL / SQL count)")
    def definition(self, obj: QualificationCriteria) -> str:
        if obj is None or obj.pk is None:
            return "The definition is written from the criteria once they are saved."
        return criteria_definition(obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        transaction.on_commit(criteria_cache_clear)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(criteria_cache_clear)

    def delete_queryset(self, request, queryset) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(criteria_cache_clear)

    @admin.action(description="Make the selected criteria active (deactivates the other set)")
    def make_active(self, request, queryset: QuerySet[QualificationCriteria]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one criteria set.", messages.ERROR)
            return
        criteria = queryset.get()
        try:
            criteria_activate(criteria=criteria)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(
                    request, f"“{criteria.name}” not made active: {message}", messages.ERROR
                )
            return
        self.message_user(
            request,
            f"“{criteria.name}” is now the active {criteria.get_kind_display()} criteria set.",
        )
