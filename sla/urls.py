from django.urls import path

from sla import views

app_name = "sla"

urlpatterns = [
    path("sla/", views.index, name="index"),
    path("sla/agreements/new/", views.agreement_new, name="agreement_new"),
    path("sla/agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("sla/agreements/<int:pk>/sign/", views.agreement_sign_view, name="agreement_sign"),
    path("sla/agreements/<int:pk>/delete/", views.agreement_delete_view, name="agreement_delete"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("sla/goals/new/", views.goal_new, name="goal_new"),
    path("sla/goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("sla/goals/<int:pk>/delete/", views.goal_delete_view, name="goal_delete"),
]
