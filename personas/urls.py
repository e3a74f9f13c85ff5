from django.urls import path

from personas import views

app_name = "personas"

urlpatterns = [
    path("personas/", views.index, name="index"),
    path("personas/new/", views.create, name="create"),
    path("personas/<int:pk>/", views.detail, name="detail"),
    path("personas/<int:pk>/edit/", views.edit, name="edit"),
    path("personas/<int:pk>/review/", views.review, name="review"),
    path("personas/<int:pk>/delete/", views.delete, name="delete"),
    path("personas/<int:persona_id>/rules/", views.rules, name="rules"),
    path("personas/<int:pk>/insights/", views.insight_share, name="insight_share"),
    path(
        "personas/insights/<int:insight_id>/decide/",
        views.insight_decide,
        name="insight_decide",
    ),
]
