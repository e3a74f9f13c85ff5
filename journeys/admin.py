"""Django admin of the journeys app.

Questions and content are edited on the portal's own pages (the journey map and the content
library), which go through ``journeys.services`` and check uploaded files; the admin shows them
read-only so that it is not a second way to write them.
"""

from django import forms
from django.contrib import admin

from journeys.models import ContentAsset, JourneyQuestion, JourneyStage
from journeys.services import journey_stage_mapping_checked, journey_stage_mapping_save

MAPPING_FIELDS = ["lifecycle_stages", "event_types", "event_window_days"]


class JourneyStageAdminForm(forms.ModelForm):
    """The mapping is checked by the service that saves it, so the admin refuses what the API
    refuses."""

    class Meta:
        model = JourneyStage
        fields = ["key", "name", "position", "description", *MAPPING_FIELDS]

    def clean(self):
        cleaned_data = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned_data
        mapping = {name: cleaned_data[name] for name in MAPPING_FIELDS}
        return {**cleaned_data, **journey_stage_mapping_checked(stage=self.instance, **mapping)}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class JourneyQuestionInline(admin.TabularInline):
    model = JourneyQuestion
    fields = ["position", "text"]
    readonly_fields = ["position", "text"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    form = JourneyStageAdminForm
    list_display = [
        "position",
        "name",
        "key",
        "lifecycle_stages",
        "event_types",
        "event_window_days",
    ]
    ordering = ["position"]
    inlines = [JourneyQuestionInline]

    def save_model(self, request, obj, form, change):
        mapping = {name: form.cleaned_data[name] for name in MAPPING_FIELDS}
        obj.save(
            update_fields=None if obj.pk is None else ["key", "name", "position", "description"]
        )
        journey_stage_mapping_save(stage=obj, **mapping)


@admin.register(ContentAsset)
class ContentAssetAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "owner", "updated_at"]
    list_filter = ["kind", "status", "stages", "personas"]
    search_fields = ["title", "summary"]
