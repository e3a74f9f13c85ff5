"""API routes of the sla app, mounted under /api/."""

from django.urls import path

from sla.api import views

urlpatterns = [
    path("sla/agreements/", views.AgreementListView.as_view(), name="sla-agreement-list"),
    path(
        "sla/agreements/<int:agreement_id>/",
        views.AgreementDetailView.as_view(),
        name="sla-agreement-detail",
    ),
    path(
        "sla/agreements/<int:agreement_id>/sign/",
        views.AgreementSignView.as_view(),
        name="sla-agreement-sign",
    ),
    path("sla/teams/", views.TeamListView.as_view(), name="sla-team-list"),
    path("sla/clocks/", views.ClockListView.as_view(), name="sla-clock-list"),
    path("sla/routing-rules/", views.RoutingRuleListView.as_view(), name="sla-routing-rule-list"),
    path(
        "sla/routing-rules/<int:rule_id>/",
        views.RoutingRuleDetailView.as_view(),
        name="sla-routing-rule-detail",
    ),
    path("goals/", views.GoalListView.as_view(), name="goal-list"),
    path("goals/<int:goal_id>/", views.GoalDetailView.as_view(), name="goal-detail"),
]
