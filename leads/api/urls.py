"""API routes of the leads app, mounted under /api/ in the ``api`` namespace."""

from django.urls import path

from leads.api import views
from leads.scoring.api import views as scoring_views

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead-list"),
    path("leads/<int:lead_id>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:lead_id>/stage/", views.LeadStageView.as_view(), name="lead-stage"),
    path("leads/<int:lead_id>/timeline/", views.LeadTimelineView.as_view(), name="lead-timeline"),
    path("leads/<int:lead_id>/touches/", views.LeadTouchesView.as_view(), name="lead-touches"),
    path("leads/<int:lead_id>/notes/", views.LeadNotesView.as_view(), name="lead-notes"),
    path("leads/<int:lead_id>/export/", views.LeadExportView.as_view(), name="lead-export"),
    path("leads/<int:lead_id>/erase/", views.LeadEraseView.as_view(), name="lead-erase"),
    path("leads/<int:lead_id>/score/", scoring_views.LeadScoreView.as_view(), name="lead-score"),
    path(
        "leads/<int:lead_id>/score/history/",
        scoring_views.LeadScoreHistoryView.as_view(),
        name="lead-score-history",
    ),
    path("companies/", views.CompanyListView.as_view(), name="company-list"),
    path("companies/<int:company_id>/", views.CompanyDetailView.as_view(), name="company-detail"),
    path("events/", views.EventCreateView.as_view(), name="event-create"),
    path("events/batch/", views.EventBatchView.as_view(), name="event-batch"),
]
