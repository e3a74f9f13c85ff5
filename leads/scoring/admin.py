"""Django admin of scoring models and qualification criteria, both kept as versions: drafts are
edited here; scheduled, active and archived versions are read-only, and are cloned into a new
draft to be changed. The admin is a client of the services like the lab and the API: every save,
delete and activation goes through ``leads.scoring.editing``, ``scoring_model_activate`` and
``criteria_activate``, with the same row lock and the same checks."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from leads.scoring import editing
from leads.scoring.forms import (
    PositionedRuleForm,
    RowRefused,
    RuleValueField,
    formset_save,
    refusal_messages,
)
from leads.scoring.models import (
    MQL_FIELDS,
    SQL_CHECKLIST_ITEMS,
    EngagementRule,
    FitGroup,
    FitRule,
    QualificationCondition,
    QualificationCriteria,
    ScoringModel,
)
from leads.scoring.models.versions import Version
from leads.scoring.qualification import (
    criteria_activate,
    criteria_clone,
    criteria_definition,
    criteria_unschedule,
)
from leads.scoring.services import (
    moment_text,
    schedule_moment_problem,
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_create,
    scoring_model_unschedule,
)

REFUSALS = (ValidationError, editing.NotADraft, RowRefused)


class ActivateAtFormMixin(forms.Form):
    """The moment to activate a draft at: saving the draft with one schedules it."""

    schedule_at = forms.SplitDateTimeField(
        label="Activate at",
        required=False,
        widget=widgets.AdminSplitDateTime,
        help_text="Schedule the draft to be activated at this moment: until then it is "
        "read-only (unschedule it to edit it again). Blank: it stays a draft.",
    )

    def clean_schedule_at(self):
        moment = self.cleaned_data.get("schedule_at")
        if moment is not None:
            problem = schedule_moment_problem(moment)
            if problem:
                raise ValidationError(problem)
        return moment


class VersionAdmin(admin.ModelAdmin):
    """What the admins of versions share: only drafts are changed or deleted, saves go through
    the services, and a draft saved with an activation moment is scheduled.

    The forms check what they can before anything is written (a rule, a set as a whole). A
    refusal they could not foresee (the version was activated meanwhile) rolls the whole save
    back, and the page says why instead of failing."""

    schedule_fieldset = ("Activation", {"fields": ["schedule_at"]})
    # Each admin's service that activates (or, given ``at``, schedules) one of its versions:
    # ``activate(version, actor=…, at=…)``.
    activate: Callable[..., object]

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or obj.is_editable:
            fieldsets.insert(-1, self.schedule_fieldset)
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as refusal:
            self._refused(request, refusal, "Nothing was saved")
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as refusal:
            self._refused(request, refusal, "Nothing was deleted")
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )

    def _refused(self, request, refusal, what: str) -> None:
        for message in refusal_messages(refusal):
            self.message_user(request, f"{what}: {message}", messages.ERROR)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        moment = form.cleaned_data.get("schedule_at")
        if moment is None:
            return
        version = form.instance
        try:
            self.activate(version, actor=request.user, at=moment)
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(
                    request,
                    f"{self.named(version)} was saved as a draft but not scheduled: {message}",
                    messages.ERROR,
                )
            return
        self.message_user(
            request,
            f"{self.named(version)} is scheduled: it is activated at {moment_text(moment)}.",
        )

    def delete_queryset(self, request, queryset) -> None:
        for version in queryset:
            self.delete_model(request, version)

    def named(self, version: Version) -> str:
        """How the messages name a version (the admin capitalises their first letter)."""
        return version.version_name

    def _one(self, request, queryset: QuerySet, what: str):
        if queryset.count() != 1:
            self.message_user(request, f"Select exactly one {what}.", messages.ERROR)
            return None
        return queryset.get()

    def _unschedule(self, request, queryset: QuerySet, unschedule) -> None:
        for version in queryset:
            try:
                unschedule(version)
            except ValidationError as refusal:
                self.message_user(request, " ".join(refusal.messages), messages.ERROR)
                continue
            self.message_user(request, f"{self.named(version)} is a draft again.")


# Scoring models -----------------------------------------------------------------------------


class FitRuleForm(PositionedRuleForm):
    value = RuleValueField(
        required=False,
        widget=forms.TextInput,
        help_text='vp · ["vp", "c_level"] · 200 · [50, 500] · blank for is set / is empty',
    )

    class Meta:
        model = FitRule
        fields = ["position", "group", "attribute", "operator", "value", "points"]


class DraftOnlyInline:
    """Inlines follow their version: editable while it is a draft only."""

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


# The fields of a scoring model the admin edits, written by the editing services.
MODEL_FIELDS = (
    "name", "description", "hot_threshold", "warm_threshold", "overall_cap", "fit_a", "fit_b",
    "fit_c", "engagement_1", "engagement_2", "engagement_3",
)  # fmt: skip


class ScoringModelForm(ActivateAtFormMixin, forms.ModelForm):
    class Meta:
        model = ScoringModel
        fields = MODEL_FIELDS


@admin.register(ScoringModel)
class ScoringModelAdmin(VersionAdmin):
    form = ScoringModelForm
    list_display = [
        "version", "name", "status", "activate_at", "activated_at", "activated_by", "archived_at",
    ]  # fmt: skip
    list_filter = ["status"]
    readonly_fields = [
        "version", "status", "created_by", "created_at", "activate_at", "activated_by",
        "activated_at", "archived_at",
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
                    ("activate_at", "activated_by", "activated_at"),
                    "archived_at",
                ]
            },
        ),
    ]
    inlines = [FitGroupInline, FitRuleInline, EngagementRuleInline]
    actions = ["activate_now", "clone", "unschedule"]

    def save_model(self, request, obj, form, change) -> None:
        fields = {name: form.cleaned_data[name] for name in MODEL_FIELDS}
        if change:
            editing.scoring_model_update(model=obj, **fields)
            return
        created = scoring_model_create(actor=request.user, **fields)
        # The admin goes on with its own instance (the inlines hang on it): make it the row.
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        formset_save(
            formset,
            save=lambda part: editing.scoring_part_save(part=part),
            delete=lambda part: editing.scoring_part_delete(part=part),
        )

    def delete_model(self, request, obj) -> None:
        editing.scoring_model_delete(model=obj)

    def activate(self, version, *, actor, at=None):
        return scoring_model_activate(model=version, actor=actor, at=at)

    def named(self, version) -> str:
        return f"Version {version.version}"

    @admin.action(
        description="Activate the selected draft now (archives the active version and "
        "rescores every lead)"
    )
    def activate_now(self, request, queryset: QuerySet[ScoringModel]) -> None:
        model = self._one(request, queryset, "draft to activate")
        if model is None:
            return
        try:
            run = scoring_model_activate(model=model, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(
                    request, f"Version {model.version} not activated: {message}", messages.ERROR
                )
            return
        self.message_user(
            request,
            format_html(
                "Version {} ({}) is now the active scoring model. Its rescore of {} lead{} has "
                'started: <a href="{}">follow its progress</a>.',
                model.version,
                model.name,
                f"{run.leads_total:,}",
                "" if run.leads_total == 1 else "s",
                reverse("scoring:run", args=[run.pk]),
            ),
        )

    @admin.action(description="Clone into a new draft")
    def clone(self, request, queryset: QuerySet[ScoringModel]) -> None:
        for model in queryset:
            copy = scoring_model_clone(model=model, actor=request.user)
            self.message_user(
                request, f"Version {model.version} cloned into draft version {copy.version}."
            )

    @admin.action(description="Unschedule the selected versions (back to drafts)")
    def unschedule(self, request, queryset: QuerySet[ScoringModel]) -> None:
        self._unschedule(request, queryset, lambda model: scoring_model_unschedule(model=model))


# Qualification criteria ---------------------------------------------------------------------


class QualificationCriteriaForm(ActivateAtFormMixin, forms.ModelForm):
    """The rules of a set (an SQL set is a checklist only, an event within at least a day…) are
    the model's ``clean()``, so the API holds to them too."""

    sql_checklist = forms.MultipleChoiceField(
        choices=list(SQL_CHECKLIST_ITEMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="SQL only: what a rep must confirm before moving a lead to SQL.",
    )

    class Meta:
        model = QualificationCriteria
        fields = ["kind", "name", "match", *MQL_FIELDS, "sql_checklist", "notes"]


class QualificationConditionForm(PositionedRuleForm):
    value = RuleValueField(
        required=False,
        widget=forms.TextInput,
        help_text='vp · ["201-1000", "1001-5000"] · 200 · [50, 500] · blank for is set / is empty',
    )

    class Meta:
        model = QualificationCondition
        fields = ["position", "attribute", "operator", "value"]


class QualificationConditionFormSet(forms.BaseInlineFormSet):
    """Checks the conditions with the set they belong to (its fields as just entered), by the
    rule the editing service holds the API to."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if not getattr(form, "cleaned_data", {}).get("DELETE")
            and (form.instance.pk or form.has_changed())
        ]
        problems = editing.criteria_set_problems(self.instance, conditions=len(kept))
        if problems:
            raise ValidationError(problems)


class QualificationConditionInline(DraftOnlyInline, admin.TabularInline):
    model = QualificationCondition
    form = QualificationConditionForm
    formset = QualificationConditionFormSet
    extra = 1
    verbose_name = "attribute condition"


@admin.register(QualificationCriteria)
class QualificationCriteriaAdmin(VersionAdmin):
    form = QualificationCriteriaForm
    list_display = [
        "version_name", "name", "status", "definition", "activate_at", "activated_at",
        "archived_at",
    ]  # fmt: skip
    list_display_links = ["version_name", "name"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "version", "status", "definition", "created_by", "created_at", "activate_at",
        "activated_by", "activated_at", "archived_at", "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["kind", "name", ("version", "status"), "definition", "notes"]}),
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
        (
            "History",
            {
                "fields": [
                    ("created_by", "created_at"),
                    ("activate_at", "activated_by", "activated_at"),
                    ("archived_at", "updated_at"),
                ]
            },
        ),
    ]
    inlines = [QualificationConditionInline]
    actions = ["activate_now", "clone", "unschedule"]

    def get_queryset(self, request) -> QuerySet[QualificationCriteria]:
        # The list shows each set's definition, which reads its conditions.
        return super().get_queryset(request).prefetch_related("conditions")

    def get_readonly_fields(self, request, obj=None):
        # A set keeps its kind: the other kind is another lineage of versions.
        kept = ["kind"] if obj is not None else []
        return [*kept, *super().get_readonly_fields(request, obj)]

    @admin.display(description="Version", ordering="version")
    def version_name(self, obj: QualificationCriteria) -> str:
        return obj.version_name

    @admin.display(description="Definition (shown beside every MQL / SQL count)")
    def definition(self, obj: QualificationCriteria) -> str:
        if obj is None or obj.pk is None:
            return "The definition is written from the criteria once they are saved."
        return criteria_definition(obj)

    def save_model(self, request, obj, form, change) -> None:
        editing.criteria_draft_save(criteria=obj, actor=request.user)

    def save_formset(self, request, form, formset, change) -> None:
        formset_save(
            formset,
            save=lambda condition: editing.criteria_condition_save(condition=condition),
            delete=lambda condition: editing.criteria_condition_delete(condition=condition),
        )

    def delete_model(self, request, obj) -> None:
        editing.criteria_delete(criteria=obj)

    def activate(self, version, *, actor, at=None):
        return criteria_activate(criteria=version, actor=actor, at=at)

    def named(self, version) -> str:
        return f"{version.version_name} “{version.name}”"

    @admin.action(
        description="Activate the selected draft now (archives the active set of its kind)"
    )
    def activate_now(self, request, queryset: QuerySet[QualificationCriteria]) -> None:
        criteria = self._one(request, queryset, "criteria set")
        if criteria is None:
            return
        try:
            criteria_activate(criteria=criteria, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(
                    request, f"“{criteria.name}” not activated: {message}", messages.ERROR
                )
            return
        self.message_user(
            request,
            f"“{criteria.name}” ({criteria.version_name}) is now the active "
            f"{criteria.get_kind_display()} criteria set.",
        )

    @admin.action(description="Clone into a new draft")
    def clone(self, request, queryset: QuerySet[QualificationCriteria]) -> None:
        for criteria in queryset:
            copy = criteria_clone(criteria=criteria, actor=request.user)
            self.message_user(
                request, f"{criteria.version_name} cloned into draft {copy.version_name}."
            )

    @admin.action(description="Unschedule the selected sets (back to drafts)")
    def unschedule(self, request, queryset: QuerySet[QualificationCriteria]) -> None:
        self._unschedule(request, queryset, lambda criteria: criteria_unschedule(criteria=criteria))
