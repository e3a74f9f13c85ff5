"""Pages of the journey and the content library, in the ``content`` namespace."""

from django.urls import path

from leads.content import views

app_name = "content"

urlpatterns = [
    path("journeys/", views.journey_map, name="journey_map"),
    path("journeys/<slug:key>/questions/", views.stage_questions, name="stage_questions"),
    path("content/", views.content_list, name="list"),
    path("content/new/", views.asset_create, name="asset_create"),
    path("content/<int:pk>/", views.asset_detail, name="asset"),
    path("content/<int:pk>/edit/", views.asset_edit, name="asset_edit"),
    path("content/<int:pk>/file/", views.asset_file, name="asset_file"),
    path("content/sends/<int:pk>/rate/", views.send_rate, name="send_rate"),
    path("leads/<int:pk>/content/", views.lead_suggestions, name="lead_suggestions"),
    path(
        "leads/<int:pk>/content/<int:asset_pk>/send/",
        views.lead_content_send,
        name="lead_content_send",
    ),
]
