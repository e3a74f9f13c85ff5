"""API routes of the personas app, mounted under /api/."""

from django.urls import path

from personas.api import views

urlpatterns = [
    path("persona-rules/", views.PersonaRulesListView.as_view(), name="persona-rules-list"),
    path(
        "persona-rules/<int:rules_id>/",
        views.PersonaRulesDetailView.as_view(),
        name="persona-rules-detail",
    ),
]
