"""The glossary in the Django admin. Saves and deletes go through the glossary's services, so a
generated term takes only a new note here too, and is never deleted."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from leads.glossary.models import GlossaryTerm
from leads.glossary.selectors import glossary_entry
from leads.glossary.services import (
    GENERATED_WRITTEN_FIELDS,
    WRITTEN_FIELDS,
    GeneratedTermRefused,
    glossary_term_delete,
    glossary_term_problems,
    glossary_term_save,
)


class GlossaryTermAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        probe = GlossaryTerm(
            pk=self.instance.pk,
            generated_from=self.instance.generated_from,
            **{name: cleaned.get(name, getattr(self.instance, name)) for name in WRITTEN_FIELDS},
        )
        for field, problems in glossary_term_problems(probe).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, problems)
        return cleaned


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "stands_for", "generated_from", "updated_at"]
    list_filter = ["generated_from"]
    search_fields = ["name", "stands_for", "short_definition", "definition"]
    form = GlossaryTermAdminForm
    actions = None  # Deleting in bulk would skip the refusal to delete a generated term.

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_generated:
            return ["name", "slug", "generated_from", "definition_in_force", "note"]
        return list(WRITTEN_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_generated:
            return ["name", "slug", "generated_from", "definition_in_force"]
        return []

    @admin.display(description="Definition in force")
    def definition_in_force(self, obj: GlossaryTerm) -> str:
        return glossary_entry(obj).definition

    def save_model(self, request, obj, form, change) -> None:
        names = GENERATED_WRITTEN_FIELDS if obj.is_generated else WRITTEN_FIELDS
        changes = {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}
        # The form wrote its values on ``obj``; the service starts from the stored row.
        stored = GlossaryTerm.objects.get(pk=obj.pk) if change else None
        saved = glossary_term_save(term=stored, actor=request.user, changes=changes)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_generated:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        glossary_term_delete(term=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, GeneratedTermRefused) as refusal:
            text = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
