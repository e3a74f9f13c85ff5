"""Django admin of the personas app. Its saves and deletions go through ``personas.services``,
like the pages' and the API's; the history is shown read-only (rolling back is switched off:
``SIMPLE_HISTORY_REVERT_DISABLED``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from personas.forms import PersonaForm
from personas.models import Persona, PersonaRules
from personas.profile import EDITABLE_FIELDS
from personas.services import (
    persona_create,
    persona_delete,
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
