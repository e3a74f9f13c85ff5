"""API routes of the journeys app, mounted under /api/."""

from django.urls import path

from journeys.api import views

urlpatterns = [
    path("journey-mapping/", views.JourneyMappingListView.as_view(), name="journey-mapping-list"),
    path(
        "journey-mapping/<int:stage_id>/",
        views.JourneyMappingDetailView.as_view(),
        name="journey-mapping-detail",
    ),
]
