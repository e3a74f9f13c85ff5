"""API routes of the glossary, mounted under /api/glossary/ in the ``api`` namespace."""

from django.urls import path

from leads.glossary.api import views

urlpatterns = [
    path("", views.TermListView.as_view(), name="glossary-term-list"),
    path("<slug:slug>/", views.TermDetailView.as_view(), name="glossary-term-detail"),
]
