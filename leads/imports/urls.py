"""Mounted at ``leads/import/`` inside the ``leads`` namespace."""

from django.urls import path

from leads.imports import views

urlpatterns = [
    path("", views.import_start, name="import"),
    path("<int:pk>/", views.import_job, name="import_job"),
    path("<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("<int:pk>/start/", views.import_job_start_view, name="import_start"),
    path("<int:pk>/resume/", views.import_job_resume_view, name="import_resume"),
    path("<int:pk>/cancel/", views.import_job_cancel_view, name="import_cancel"),
    path("<int:pk>/problems.csv", views.import_errors, name="import_errors"),
    path("export/", views.export, name="export"),
]
