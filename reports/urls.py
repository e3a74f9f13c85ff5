from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report, name="index"),
    path("reports/digest/", views.digest, name="digest"),
    path("reports/digest/subscription/", views.digest_subscription, name="digest_subscription"),
    path("reports/<slug:name>/", views.report, name="report"),
    path("meeting/", views.meeting, name="meeting"),
    path("meeting/<str:week>/", views.meeting, name="meeting_week"),
    path("meeting/<str:week>/theme/", views.theme_refresh, name="theme_refresh"),
    path("meeting/<str:week>/record/", views.meeting_record, name="meeting_record"),
    path("meeting/<str:week>/actions/", views.action_add, name="action_add"),
    path("meeting/<str:week>/actions/<int:pk>/", views.action_mark, name="action_mark"),
]
