"""Django admin of the personas app."""

from django import forms
from django.contrib import admin

from personas.models import Persona, PersonaRules
from personas.services import persona_rules_checked, persona_rules_delete, persona_rules_save


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


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
