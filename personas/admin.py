"""Django admin of the personas app. Its saves and deletions go through ``personas.services``,
like the pages' and the API's; the history is shown read-only (rolling back is switched off:
``SIMPLE_HISTORY_REVERT_DISABLED``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from personas.forms import PersonaForm
from personas.models import InsightStatus, Persona, PersonaInsight, PersonaRules
from personas.profile import EDITABLE_FIELDS
from personas.services import (
    persona_create,
    persona_delete,
    persona_insight_decide,
    persona_mark_reviewed,
    persona_rules_checked,
    persona_rules_delete,
    persona_rules_save,
    persona_update,
)


@admin.register(Persona)
class PersonaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner", "last_reviewed_on"]
    list_select_related = ["owner"]
    search_fields = ["name"]
    readonly_fields = ["last_reviewed_on"]
    # The pages' form: lists of choices as checkboxes, industries one a line.
    form = PersonaForm
    actions = ["mark_reviewed"]

    def save_model(self, request, obj, form, change) -> None:
        data = {
            name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data
        }
        if change:
            persona_update(persona=obj, actor=request.user, data=data)
        else:
            created = persona_create(actor=request.user, data=data)
            obj.pk, obj.last_reviewed_on = created.pk, created.last_reviewed_on
            obj._state.adding = False

    def delete_model(self, request, obj) -> None:
        persona_delete(persona=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for persona in queryset:
            persona_delete(persona=persona, actor=request.user)

    @admin.action(description="Mark the selected personas reviewed today")
    def mark_reviewed(self, request, queryset) -> None:
        done = 0
        for persona in queryset:
            try:
                persona_mark_reviewed(persona=persona, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{persona}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} persona(s) marked reviewed.")


class PersonaRulesAdminForm(forms.ModelForm):
    """Checked by the service that saves them, so the admin refuses what the page refuses."""

    class Meta:
        model = PersonaRules
        fields = ["persona", "priority", *PersonaRules.CONDITIONS]

    def clean(self):
        cleaned_data = super().clean()
        if self.errors or cleaned_data.get("persona") is None:
            return cleaned_data
        return {**cleaned_data, **persona_rules_checked(**cleaned_data)}


@admin.register(PersonaRules)
class PersonaRulesAdmin(admin.ModelAdmin):
    form = PersonaRulesAdminForm
    list_display = ["priority", "persona", "updated_at"]
    list_select_related = ["persona"]
    ordering = ["priority"]

    def save_model(self, request, obj, form, change):
        saved = persona_rules_save(
            **{
                name: form.cleaned_data[name]
                for name in ["persona", "priority", *PersonaRules.CONDITIONS]
            }
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        persona_rules_delete(persona=obj.persona)

    def delete_queryset(self, request, queryset):
        for rules in queryset.select_related("persona"):
            persona_rules_delete(persona=rules.persona)


@admin.register(PersonaInsight)
class PersonaInsightAdmin(admin.ModelAdmin):
    """The insights shared on the persona pages, read here; deciding them is done there (or by
    the actions below, through the same service). Nobody rewrites what someone else shared."""

    list_display = ["persona", "short_body", "section", "author", "created_at", "status"]
    list_filter = ["status", "section", "persona"]
    list_select_related = ["persona", "author"]
    search_fields = ["body"]
    readonly_fields = [f.name for f in PersonaInsight._meta.fields]
    actions = ["adopt", "set_aside"]

    @admin.display(description="insight")
    def short_body(self, insight: PersonaInsight) -> str:
        return insight.body[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(self, request, queryset, status: str) -> None:
        for insight in queryset:
            persona_insight_decide(insight=insight, actor=request.user, status=status)
        self.message_user(request, f"{queryset.count()} insight(s): {InsightStatus(status).label}.")

    @admin.action(description="Adopt the selected insights into the profile")
    def adopt(self, request, queryset) -> None:
        self._decide(request, queryset, InsightStatus.ADOPTED)

    @admin.action(description="Set the selected insights aside")
    def set_aside(self, request, queryset) -> None:
        self._decide(request, queryset, InsightStatus.SET_ASIDE)
