from django.urls import path

from journeys import views

app_name = "journeys"

urlpatterns = [
    path("journeys/", views.index, name="index"),
    path("content/", views.content, name="content"),
]
