"""API routes of the scoring engine (models, rules, criteria, rescores), under /api/scoring/."""

from django.urls import path

from leads.scoring.api import views

urlpatterns = [
    path("models/", views.ScoringModelListView.as_view(), name="scoring-model-list"),
    path(
        "models/<int:model_id>/",
        views.ScoringModelDetailView.as_view(),
        name="scoring-model-detail",
    ),
    path(
        "models/<int:model_id>/clone/",
        views.ScoringModelCloneView.as_view(),
        name="scoring-model-clone",
    ),
    path(
        "models/<int:model_id>/activate/",
        views.ScoringModelActivateView.as_view(),
        name="scoring-model-activate",
    ),
    path(
        "models/<int:model_id>/schedule/",
        views.ScoringModelScheduleView.as_view(),
        name="scoring-model-schedule",
    ),
    path(
        "models/<int:model_id>/fit-groups/",
        views.FitGroupListView.as_view(),
        name="scoring-fit-group-list",
    ),
    path(
        "models/<int:model_id>/fit-groups/<int:part_id>/",
        views.FitGroupDetailView.as_view(),
        name="scoring-fit-group-detail",
    ),
    path(
        "models/<int:model_id>/fit-rules/",
        views.FitRuleListView.as_view(),
        name="scoring-fit-rule-list",
    ),
    path(
        "models/<int:model_id>/fit-rules/<int:part_id>/",
        views.FitRuleDetailView.as_view(),
        name="scoring-fit-rule-detail",
    ),
    path(
        "models/<int:model_id>/engagement-rules/",
        views.EngagementRuleListView.as_view(),
        name="scoring-engagement-rule-list",
    ),
    path(
        "models/<int:model_id>/engagement-rules/<int:part_id>/",
        views.EngagementRuleDetailView.as_view(),
        name="scoring-engagement-rule-detail",
    ),
    path("criteria/", views.CriteriaListView.as_view(), name="scoring-criteria-list"),
    path(
        "criteria/<int:criteria_id>/",
        views.CriteriaDetailView.as_view(),
        name="scoring-criteria-detail",
    ),
    path(
        "criteria/<int:criteria_id>/clone/",
        views.CriteriaCloneView.as_view(),
        name="scoring-criteria-clone",
    ),
    path(
        "criteria/<int:criteria_id>/activate/",
        views.CriteriaActivateView.as_view(),
        name="scoring-criteria-activate",
    ),
    path(
        "criteria/<int:criteria_id>/schedule/",
        views.CriteriaScheduleView.as_view(),
        name="scoring-criteria-schedule",
    ),
    path(
        "criteria/<int:criteria_id>/conditions/",
        views.ConditionListView.as_view(),
        name="scoring-condition-list",
    ),
    path(
        "criteria/<int:criteria_id>/conditions/<int:condition_id>/",
        views.ConditionDetailView.as_view(),
        name="scoring-condition-detail",
    ),
    path("runs/", views.ScoringRunListView.as_view(), name="scoring-run-list"),
    path("runs/<int:run_id>/", views.ScoringRunDetailView.as_view(), name="scoring-run-detail"),
    path("suggestions/", views.SuggestionsListView.as_view(), name="scoring-suggestions"),
    path(
        "suggestions/<int:run_id>/",
        views.SuggestionsDetailView.as_view(),
        name="scoring-suggestions-detail",
    ),
    path(
        "suggestions/<int:run_id>/apply/",
        views.SuggestionsApplyView.as_view(),
        name="scoring-suggestions-apply",
    ),
]
