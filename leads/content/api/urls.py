"""API routes of content sent to leads, mounted under /api/ in the ``api`` namespace."""

from django.urls import path

from leads.content.api import views

urlpatterns = [
    path(
        "leads/<int:lead_id>/suggested-content/",
        views.LeadSuggestedContentView.as_view(),
        name="lead-suggested-content",
    ),
    path(
        "leads/<int:lead_id>/content-sends/",
        views.LeadContentSendsView.as_view(),
        name="lead-content-sends",
    ),
    path("content-sends/", views.ContentSendListView.as_view(), name="content-send-list"),
    path(
        "content-sends/<int:send_id>/rating/",
        views.ContentSendRatingView.as_view(),
        name="content-send-rating",
    ),
]
