"""API routes of the reports app, mounted under /api/."""

from django.urls import path

from reports.api import views

urlpatterns = [
    path("reports/<slug:name>/", views.ReportView.as_view(), name="report-detail"),
]
