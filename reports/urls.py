from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.index, name="index"),
    path("meeting/", views.meeting, name="meeting"),
]
