"""API routes of the personas app, mounted under /api/."""

from django.urls import path

from personas.api import views

urlpatterns = [
    path("personas/", views.PersonaListView.as_view(), name="persona-list"),
    path("personas/<int:persona_id>/", views.PersonaDetailView.as_view(), name="persona-detail"),
    path(
        "personas/<int:persona_id>/review/",
        views.PersonaReviewView.as_view(),
        name="persona-review",
    ),
    path(
        "personas/<int:persona_id>/insights/",
        views.PersonaInsightListView.as_view(),
        name="persona-insight-list",
    ),
    path(
        "persona-insights/<int:insight_id>/",
        views.PersonaInsightDetailView.as_view(),
        name="persona-insight-detail",
    ),
    path("persona-rules/", views.PersonaRulesListView.as_view(), name="persona-rules-list"),
    path(
        "persona-rules/<int:rules_id>/",
        views.PersonaRulesDetailView.as_view(),
        name="persona-rules-detail",
    ),
]
