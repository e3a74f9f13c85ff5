from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("leads/", views.lead_list, name="list"),
    path("queue/", views.queue, name="queue"),
]
