"""Pages of the glossary, under /glossary/."""

from django.urls import path

from leads.glossary import views

app_name = "glossary"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.term_create, name="create"),
    path("<slug:slug>/edit/", views.term_edit, name="edit"),
    path("<slug:slug>/delete/", views.term_delete, name="delete"),
]
