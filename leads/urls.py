from django.urls import include, path

from leads import views

app_name = "leads"

urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("leads/", views.lead_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("leads/import/", include("leads.imports.urls")),
]
