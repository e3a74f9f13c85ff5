"""The sales feedback page, under /feedback/."""

from django.urls import path

from leads.feedback import views

app_name = "feedback"

urlpatterns = [path("", views.index, name="index")]
