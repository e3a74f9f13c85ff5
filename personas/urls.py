from django.urls import path

from personas import views

app_name = "personas"

urlpatterns = [
    path("personas/", views.index, name="index"),
    path("personas/<int:persona_id>/rules/", views.rules, name="rules"),
]
