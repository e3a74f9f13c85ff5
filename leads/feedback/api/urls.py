"""API routes of sales feedback, mounted under /api/ in the ``api`` namespace."""

from django.urls import path

from leads.feedback.api import views

urlpatterns = [
    path("rejection-reasons/", views.RejectionReasonListView.as_view(), name="rejection-reasons"),
    path("feedback/", views.DecisionListView.as_view(), name="feedback-list"),
    path("feedback/summary/", views.FeedbackSummaryView.as_view(), name="feedback-summary"),
]
