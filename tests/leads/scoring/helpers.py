"""Building scoring models in tests, and reading what the compiled SQL says about leads."""

from __future__ import annotations

import datetime

from leads.models import Lead
from leads.scoring import compiler
from leads.scoring.models import EngagementRule, FitGroup, FitRule, ScoringModel
from leads.scoring.services import scoring_model_create

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def make_model(*, fit=(), engagement=(), groups=None, **fields) -> ScoringModel:
    """A draft: ``fit`` of (attribute, operator, value, points[, group name]); ``engagement``
    of dicts of EngagementRule fields; ``groups`` of name → cap."""
    model = scoring_model_create(name="Test model", **fields)
    by_name = {
        name: FitGroup.objects.create(model=model, name=name, cap=cap)
        for name, cap in (groups or {}).items()
    }
    for position, (attribute, operator, value, points, *group) in enumerate(fit, 1):
        FitRule.objects.create(
            model=model,
            group=by_name[group[0]] if group else None,
            attribute=attribute,
            operator=operator,
            value=value,
            points=points,
            position=position,
        )
    for position, rule in enumerate(engagement, 1):
        EngagementRule.objects.create(model=model, position=position, **rule)
    return ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules").get(
        pk=model.pk
    )


def compiled_scores(model: ScoringModel, leads, now=NOW) -> dict[int, dict]:
    """Each lead's scores as the compiled expressions compute them (engagement also unrounded)."""
    rows = (
        Lead.objects.filter(pk__in=[lead.pk for lead in leads])
        .annotate(
            new_engagement_raw=compiler.engagement_raw_expression(model, now),
            **{f"new_{name}": value for name, value in compiler.score_annotations(model, now).items()},
        )
        .values(
            "pk", "new_fit_score", "new_engagement_score", "new_engagement_raw",
            "new_total_score", "new_temperature", "new_grade",
        )
    )  # fmt: skip
    return {
        row.pop("pk"): {name.removeprefix("new_"): value for name, value in row.items()}
        for row in rows
    }
