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
]
