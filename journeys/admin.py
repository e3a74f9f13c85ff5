"""Django admin of the journeys app.

Questions and content are edited on the portal's own pages (the journey map and the content
library), which go through ``journeys.services`` and check uploaded files; the admin shows them
read-only so that it is not a second way to write them.
"""

from django.contrib import admin

from journeys.models import ContentAsset, JourneyQuestion, JourneyStage


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
    list_display = ["position", "name", "key"]
    ordering = ["position"]
    inlines = [JourneyQuestionInline]


@admin.register(ContentAsset)
class ContentAssetAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "owner", "updated_at"]
    list_filter = ["kind", "status", "stages", "personas"]
    search_fields = ["title", "summary"]
