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
    path("journey-stages/", views.JourneyStageListView.as_view(), name="journey-stage-list"),
    path(
        "journey-questions/", views.JourneyQuestionListView.as_view(), name="journey-question-list"
    ),
    path(
        "journey-questions/<int:question_id>/",
        views.JourneyQuestionDetailView.as_view(),
        name="journey-question-detail",
    ),
    path("content/", views.ContentAssetListView.as_view(), name="content-list"),
    path("content/<int:asset_id>/", views.ContentAssetDetailView.as_view(), name="content-detail"),
]
