"""Suggestions applied to a draft: an admin picks some of a suggestions run's changes, and a new
draft of the model they were learned for gets exactly those, every other rule as it was. The
draft remembers the run (``ScoringModel.learned_from``), so its backtest is held to leads
created after the fitting period: the lab never checks a model on its own training data."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from leads.scoring.editing import scoring_part_save
from leads.scoring.models import EngagementRule, FitRule, LabRun, RunStatus, ScoringModel
from leads.scoring.services import scoring_model_clone


def offered(run: LabRun) -> dict[str, dict]:
    """The suggestions of ``run`` that can be applied, by key: rule changes, new rules and the
    rule changes of rejection patterns."""
    result = run.result or {}
    items = [
        *result.get("rules", []),
        *result.get("new_rules", []),
        *result.get("patterns", {}).get("found", []),
    ]
    return {item["key"]: item for item in items if item.get("offered")}


def _target(change: dict) -> tuple:
    """What a change writes to: a rule, or the new rule for one value or event type."""
    if change["action"] == "points":
        return change["kind"], change["rule"]
    if change["action"] == "new_fit":
        return "new_fit", change["attribute"], change["value"]
    return "new_engagement", change["event_type"]


def learned_until(model: ScoringModel) -> datetime.date | None:
    """The last day of the fitting period of the suggestions ``model`` was made from."""
    if model.learned_from_id is None or model.learned_from is None:
        return None
    return datetime.date.fromisoformat(model.learned_from.result["fit_to"])


def backtest_refusal(model: ScoringModel, parameters: dict) -> str:
    """Why a backtest of ``model`` over these parameters would check it on its training data."""
    until = learned_until(model)
    if until is None or datetime.date.fromisoformat(parameters["created_from"]) > until:
        return ""
    return (
        f"v{model.version} was learned from the MQLs up to {until:%d %b %Y}: backtest it on "
        f"leads created after that day, so it is not checked on its own training data."
    )


def _rules_by_source(source: ScoringModel, draft: ScoringModel) -> dict[tuple, object]:
    """The draft's copy of each of the source's rules (the clone keeps their order)."""
    pairs = {}
    for kind, manager in (("fit", "fit_rules"), ("engagement", "engagement_rules")):
        originals = getattr(source, manager).order_by("position", "pk")
        copies = getattr(draft, manager).order_by("position", "pk")
        pairs.update({(kind, a.pk): b for a, b in zip(originals, copies, strict=True)})
    return pairs


def _describe(items: list[dict]) -> str:
    lines = []
    for item in items:
        change = item["change"]
        if "change_text" in item:
            lines.append(f"- {item['change_text']}")
        elif change["action"] == "points":
            lines.append(f"- {item['text']}: {item['current']} → {change['points']} points")
        else:
            lines.append(f"- New rule: {item['text']} → {change['points']} points")
    return "\n".join(lines)


@transaction.atomic
def lab_suggestions_apply(*, run: LabRun, chosen: list[str], actor) -> ScoringModel:
    """A new draft of the run's model with exactly the ``chosen`` suggestions applied."""
    if run.kind != LabRun.Kind.SUGGESTIONS or run.status != RunStatus.DONE:
        raise ValidationError("Only the suggestions of a finished run can be applied.")
    available = offered(run)
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise ValidationError("Pick at least one suggestion to apply.")
    unknown = [key for key in chosen if key not in available]
    if unknown:
        raise ValidationError(f"These are not suggestions of run {run.pk}: {', '.join(unknown)}.")
    items = [available[key] for key in chosen]
    targets = [_target(item["change"]) for item in items]
    if len(set(targets)) < len(targets):
        raise ValidationError(
            "Two of the chosen suggestions change the same rule: pick one of them."
        )
    source = ScoringModel.objects.get(pk=run.model_id)
    draft = scoring_model_clone(model=source, actor=actor)
    draft.learned_from = run
    draft.description = (
        f"{source.description}\n\nChanged from v{source.version} by the lab's suggestions "
        f"(learned from the MQLs of {run.result['fit_from']} to {run.result['fit_to']}):\n"
        f"{_describe(items)}"
    ).strip()
    draft.save(update_fields=["learned_from", "description"])
    copies = _rules_by_source(source, draft)
    position = {
        "fit": draft.fit_rules.aggregate(top=Max("position"))["top"] or 0,
        "engagement": draft.engagement_rules.aggregate(top=Max("position"))["top"] or 0,
    }
    for item in items:
        change = item["change"]
        if change["action"] == "points":
            rule = copies[change["kind"], change["rule"]]
            rule.points = change["points"]
        elif change["action"] == "new_fit":
            position["fit"] += 1
            rule = FitRule(
                model=draft, attribute=change["attribute"], operator=change["operator"],
                value=change["value"], points=change["points"], position=position["fit"],
            )  # fmt: skip
        else:
            position["engagement"] += 1
            rule = EngagementRule(
                model=draft, event_type=change["event_type"], points=change["points"],
                half_life_days=change["half_life_days"], position=position["engagement"],
            )  # fmt: skip
        scoring_part_save(part=rule)
    return draft
