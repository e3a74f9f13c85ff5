"""Pages of the scoring engine: the scoring lab, the progress of rescores, and how we score."""

from django.urls import path

from leads.scoring import views

app_name = "scoring"

urlpatterns = [
    path("", views.lab, name="lab"),
    path("clone/", views.clone, name="clone"),
    path("models/<int:pk>/", views.draft, name="draft"),
    path("models/<int:pk>/lab/<str:kind>/", views.lab_run_create, name="lab_run_create"),
    path("models/<int:pk>/activate/", views.activate, name="activate"),
    path("models/<int:pk>/schedule/", views.schedule, name="schedule"),
    path("models/<int:pk>/unschedule/", views.unschedule, name="unschedule"),
    path("rescore/", views.rescore, name="rescore"),
    path("models/<int:pk>/discard/", views.discard, name="discard"),
    path("lab-runs/<int:pk>/", views.lab_run, name="lab_run"),
    path("lab-runs/<int:pk>/apply/", views.suggestions_apply, name="suggestions_apply"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/resume/", views.run_resume, name="run_resume"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("how/", views.how_we_score, name="how"),
]
