"""Django admin of the personas app."""

from django.contrib import admin

from personas.models import Persona


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
