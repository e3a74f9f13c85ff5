from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("sla/", views.index, name="index"),
]
