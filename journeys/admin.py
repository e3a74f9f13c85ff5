"""Django admin of the journeys app."""

from django.contrib import admin

from journeys.models import JourneyStage


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "key"]
    ordering = ["position"]
