"""Learned points: what closed history says each rule is worth, and the rules it would add.

- **Who is learned from.** The leads that became MQLs in the fitting period (their first entry
  to MQL in it) whose outcome is known: they reached SQL or beyond within ``days`` of it
  (converted), or sales sent them back (recycled or disqualified) after it without their
  converting in that time. Leads still open are left out; their outcome is not known yet.
- **What the model sees**, each as of the lead's MQL moment (what the score saw when the lead
  qualified, nothing after): each fit rule's condition (1 or 0); each engagement rule's decayed
  count of events, its points per event times this being its share of the score before its
  cap; and, as candidates for new rules, the lead's persona, source, seniority, department and
  company size (a column per value) and the decayed count of each event type no rule reads.
- **A bounded sample.** At most ``SAMPLE_LIMIT`` leads, drawn at random with a fixed seed when
  more are closed: their features are two statements over them and their events (a temporary
  table holds each lead's MQL moment), and the fit takes a second. A larger sample would narrow
  intervals that are already narrow next to one point.
- **The fit**: a regularised (L2) logistic regression (scikit-learn) on the standardised
  features. Its coefficients, back on each feature's own scale, are log-odds per match or per
  event; one factor turns them into points, chosen so that the model's rules keep the total
  weight they have now (Σ |points| ÷ Σ |coefficients| over them).
- **Honest evaluation.** The fit uses the fitting period only; the suggestions are checked on
  the MQLs of the later period (AUC of the rules' points added up, now and with every
  suggestion), and a draft made from them is backtested on leads created after the fitting
  period only (``leads.scoring.lab.drafting``).

Nothing is applied by itself: an admin picks suggestions and applies them to a new draft.
"""

from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import connections, router
from django.db.models import Case, DateTimeField, IntegerField, Min, QuerySet, Sum, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from leads.events import EVENT_TYPE_CHOICES
from leads.models import Event, Lead, Stage, StageTransition
from leads.scoring import compiler
from leads.scoring.attributes import Operator
from leads.scoring.explain.phrases import condition_phrase, engagement_phrase, event_phrase
from leads.scoring.lab.backtest import area_under_curve
from leads.scoring.lab.common import CONVERTED, _loaded, _progress, _transaction_with
from leads.scoring.models import EngagementRule, LabRun, ScoringModel

# Minimum volumes, stated on the page when they are not met.
MIN_CLOSED = 200  # closed leads in the fitting period
MIN_OUTCOME = 20  # of them converted, and as many not
MIN_LATER = 50  # closed leads in the later period, to check the suggestions on
MIN_MATCHING = 30  # leads a rule or a candidate matches, to say what it is worth
SAMPLE_LIMIT = 20_000
SAMPLE_SEED = 27
REGULARISATION = 1.0  # scikit-learn's C: the inverse strength of the L2 penalty
NEW_RULE_HALF_LIFE = 30  # days, for a suggested engagement rule
CHANGE_MIN = 2  # points: a smaller difference is not worth a change
NEW_RULE_MIN = 3  # points: a candidate worth less is not suggested
LEFT = (Stage.RECYCLED, Stage.DISQUALIFIED)
# The lead attributes whose values are candidates for new fit rules ("equals" one value).
CANDIDATE_ATTRIBUTES = {
    "persona": "persona__name",
    "original_channel": "original_channel",
    "seniority": "seniority",
    "department": "department",
    "company.size_band": "company__size_band",
}
Z95 = 1.959964
LEARNING_SETTINGS = {"work_mem": "128MB", "random_page_cost": "1.1", "jit": "off"}


# Who is learned from ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    """Leads of a period whose outcome is known, in id order: the instant each became an MQL,
    and whether it converted. ``open`` counts the period's MQLs whose outcome is not known."""

    ids: np.ndarray
    entered: list[datetime.datetime]
    converted: np.ndarray
    open: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    def sample(self, limit: int, seed: int = SAMPLE_SEED) -> Closed:
        if len(self) <= limit:
            return self
        keep = np.sort(np.random.default_rng(seed).choice(len(self), limit, replace=False))
        return Closed(
            self.ids[keep], [self.entered[at] for at in keep], self.converted[keep], self.open
        )


def period_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    """The first instant of ``first`` and the instant after ``last``, in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, zone)
    return start, end


def closed_leads(start: datetime.datetime, end: datetime.datetime, days: int) -> Closed:
    """The leads that became MQLs in [start, end) and whose outcome is known: two statements,
    the entries grouped by lead, then their later moves to SQL and beyond or out."""
    entries = StageTransition.objects.filter(to_stage=Stage.MQL, at__gte=start, at__lt=end)
    entered = dict(
        entries.order_by().values("lead").annotate(first=Min("at")).values_list("lead", "first")
    )
    moves = StageTransition.objects.filter(
        to_stage__in=(*CONVERTED, *LEFT), at__gte=start, lead__in=entries.values("lead")
    ).values_list("lead", "to_stage", "at")
    window = datetime.timedelta(days=days)
    won, lost = set(), set()
    for lead, stage, at in moves:
        became = entered[lead]
        if at < became:
            continue
        if stage in CONVERTED:
            if at <= became + window:
                won.add(lead)
        else:
            lost.add(lead)
    ids = np.array(sorted(won | lost), dtype=np.int64)
    return Closed(
        ids=ids,
        entered=[entered[int(lead)] for lead in ids],
        converted=np.array([int(lead) in won for lead in ids], dtype=bool),
        open=len(entered) - len(ids),
    )


# What the model sees ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """A column of the fit: an existing rule (``rule_id``, its ``points``) or a candidate for a
    new one (``attribute`` = ``value``, or ``event_type``). ``key`` names it in suggestions."""

    key: str
    kind: str  # "fit", "engagement", "new_fit" or "new_engagement"
    text: str
    rule_id: int | None = None
    points: int | None = None
    attribute: str = ""
    value: str = ""
    event_type: str = ""

    @property
    def is_rule(self) -> bool:
        return self.rule_id is not None


@dataclass(frozen=True)
class Observed:
    """Per lead (the rows of ``closed``): each fit rule's condition, each engagement rule's
    decayed count, each candidate attribute's value, and each unread event type's count."""

    fit: np.ndarray
    engagement: np.ndarray
    attributes: dict[str, np.ndarray]
    events: np.ndarray
    event_types: list[str]


AS_OF = RawSQL('"lab_as_of"."as_of"', (), output_field=DateTimeField())  # noqa: S611


@contextmanager
def _as_of_table(closed: Closed) -> Iterator[None]:
    """A temporary table of each lead's MQL moment, for the statements that read it."""
    database = router.db_for_read(Lead)
    connection = connections[database]
    postgres = connection.vendor == "postgresql"
    rows = [
        (int(lead), connection.ops.adapt_datetimefield_value(moment))
        for lead, moment in zip(closed.ids, closed.entered, strict=True)
    ]
    with _transaction_with(LEARNING_SETTINGS), connection.cursor() as cursor:
        # Created and dropped in one transaction: an error rolls its creation back as well.
        cursor.execute(
            "CREATE TEMPORARY TABLE lab_as_of (lead_id bigint PRIMARY KEY, as_of "
            + ("timestamp with time zone NOT NULL)" if postgres else "datetime NOT NULL)")
        )
        cursor.executemany("INSERT INTO lab_as_of (lead_id, as_of) VALUES (%s, %s)", rows)
        if postgres:
            cursor.execute("ANALYZE lab_as_of")
        yield
        cursor.execute("DROP TABLE lab_as_of")


def _unit(rule: EngagementRule) -> EngagementRule:
    """The rule worth one point an event and uncapped: its sum is the decayed count."""
    unit = copy.copy(rule)
    unit.points, unit.cap = 1, None
    return unit


def unread_event_types(model: ScoringModel) -> list[str]:
    """The event types no engagement rule of ``model`` reads."""
    read = {rule.event_type for rule in model.engagement_rules.all()}
    return [key for key, _label in EVENT_TYPE_CHOICES if key not in read]


def _observe(model: ScoringModel, closed: Closed) -> Observed:
    """The features of ``closed`` as of each lead's MQL moment: one statement over the leads,
    one over their events grouped by lead."""
    count = len(closed)
    fit_rules = list(model.fit_rules.all())
    units = [_unit(rule) for rule in model.engagement_rules.all()]
    read = len(units)
    unread = unread_event_types(model)
    units += [
        EngagementRule(event_type=event_type, points=1, half_life_days=NEW_RULE_HALF_LIFE)
        for event_type in unread
    ]
    with _as_of_table(closed):
        conditions = {
            f"lab_fit_{index}": Case(
                When(compiler.fit_rule_condition(rule, stored_persona=True), then=1),
                default=0,
                output_field=IntegerField(),
            )
            for index, rule in enumerate(fit_rules)
        }
        sampled = RawSQL("SELECT lead_id FROM lab_as_of", ())  # noqa: S611
        leads = list(
            Lead.objects.filter(pk__in=sampled)
            .order_by()
            .annotate(**conditions)
            .values_list("pk", *conditions, *CANDIDATE_ATTRIBUTES.values())
        )
        counts = _decayed_counts(units)
    rows = np.searchsorted(closed.ids, np.array([row[0] for row in leads], dtype=np.int64))
    fit = np.zeros((count, len(fit_rules)))
    attributes = {name: np.full(count, "", dtype=object) for name in CANDIDATE_ATTRIBUTES}
    for row, values in zip(rows, leads, strict=True):
        fit[row] = values[1 : 1 + len(fit_rules)]
        for name, value in zip(CANDIDATE_ATTRIBUTES, values[1 + len(fit_rules) :], strict=True):
            attributes[name][row] = value or ""
    engaged = np.zeros((count, len(units)))
    if counts:
        table = np.array(counts, dtype=float).reshape(len(counts), len(units) + 1)
        engaged[np.searchsorted(closed.ids, table[:, 0].astype(np.int64))] = table[:, 1:]
    return Observed(fit, engaged[:, :read], attributes, engaged[:, read:], unread)


def _decayed_counts(units: list[EngagementRule]) -> list[tuple]:
    """Per lead of ``lab_as_of``, each rule's decayed count of its events up to the lead's
    moment: one pass over their events, grouped by lead."""
    if not units:
        return []
    table, events = connections[router.db_for_read(Event)].ops.quote_name, Event._meta.db_table
    sums = {
        f"lab_events_{index}": Coalesce(
            Sum(
                compiler.engagement_rule_points(unit, AS_OF),
                filter=compiler.engagement_rule_condition(unit, AS_OF),
            ),
            compiler._float(0),
        )
        for index, unit in enumerate(units)
    }
    joined: QuerySet[Event] = Event.objects.extra(  # noqa: S610 - our own table names
        tables=["lab_as_of"],
        where=[f'"lab_as_of"."lead_id" = {table(events)}.{table("lead_id")}'],
    )
    rows = (
        joined.filter(occurred_at__lte=AS_OF, type__in=sorted({unit.event_type for unit in units}))
        .order_by()
        .values("lead")
        .annotate(**sums)
        .values_list("lead", *sums)
    )
    return list(rows)


def rule_features(model: ScoringModel) -> list[Feature]:
    """The model's rules as features, fit rules first, each in the order of its kind."""
    features = [
        Feature(
            key=f"fit-{rule.pk}",
            kind="fit",
            rule_id=rule.pk,
            points=rule.points,
            text=condition_phrase(rule.attribute, rule.operator, rule.value),
        )  # fmt: skip
        for rule in model.fit_rules.all()
    ]
    features += [
        Feature(
            key=f"engagement-{rule.pk}",
            kind="engagement",
            rule_id=rule.pk,
            points=rule.points,
            text=engagement_phrase(rule),
        )  # fmt: skip
        for rule in model.engagement_rules.all()
    ]
    return features


def _used(model: ScoringModel, attribute: str, value: str) -> bool:
    """Whether a fit rule of ``model`` already scores ``attribute`` = ``value``."""
    for rule in model.fit_rules.all():
        if rule.attribute != attribute:
            continue
        values = rule.value if isinstance(rule.value, list) else [rule.value]
        if rule.operator in (Operator.EQUALS, Operator.ONE_OF) and value in values:
            return True
    return False


def candidate_features(model: ScoringModel, observed: Observed) -> list[Feature]:
    """Candidates for new rules: each attribute value matched by at least ``MIN_MATCHING``
    leads that no rule scores yet, and each event type no rule reads. The commonest unscored
    value of an attribute is the one the others are compared with, and no candidate: with it,
    the values would add up to the rule's complement ("not a VP" beside "a VP")."""
    features = []
    for attribute, values in observed.attributes.items():
        seen, counts = np.unique(values.astype(str), return_counts=True)
        unscored = [
            (count, value)
            for value, count in zip(seen, counts, strict=True)
            if value and not _used(model, attribute, value)
        ]
        reference = max(unscored)[1] if unscored else None
        for count, value in sorted(unscored, key=lambda pair: pair[1]):
            if count < MIN_MATCHING or value == reference:
                continue
            features.append(
                Feature(
                    key=f"new-fit-{attribute}={value}",
                    kind="new_fit",
                    attribute=attribute,
                    value=str(value),
                    text=condition_phrase(attribute, Operator.EQUALS, value),
                )  # fmt: skip
            )
    features += [
        Feature(
            key=f"new-engagement-{event_type}",
            kind="new_engagement",
            event_type=event_type,
            text=event_phrase(event_type),
        )  # fmt: skip
        for event_type in unread_event_types(model)
    ]
    return features


def design(observed: Observed, features: list[Feature]) -> np.ndarray:
    """The matrix of the fit: a column per feature, in the order of ``features`` (the rules in
    the order ``rule_features`` gives them, then the candidates)."""
    fit_at = engagement_at = 0
    columns = []
    for feature in features:
        if feature.kind == "fit":
            columns.append(observed.fit[:, fit_at])
            fit_at += 1
        elif feature.kind == "engagement":
            columns.append(observed.engagement[:, engagement_at])
            engagement_at += 1
        elif feature.kind == "new_fit":
            columns.append((observed.attributes[feature.attribute] == feature.value).astype(float))
        else:
            columns.append(observed.events[:, observed.event_types.index(feature.event_type)])
    return np.column_stack(columns) if columns else np.zeros((len(observed.fit), 0))


# The fit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    """Coefficients on each feature's own scale (log-odds per match or per event) and on the
    standardised one (how strongly each feature separates the outcomes: the ranking)."""

    coefficients: np.ndarray
    strengths: np.ndarray


def logistic_fit(matrix: np.ndarray, converted: np.ndarray) -> Fitted:
    """A regularised logistic regression of ``converted`` on the standardised columns; a column
    that never varies gets 0."""
    from sklearn.linear_model import LogisticRegression

    spread = matrix.std(axis=0)
    varies = spread > 1e-9
    coefficients = np.zeros(matrix.shape[1])
    strengths = np.zeros(matrix.shape[1])
    if varies.any():
        standard = (matrix[:, varies] - matrix[:, varies].mean(axis=0)) / spread[varies]
        regression = LogisticRegression(C=REGULARISATION, max_iter=2000)
        regression.fit(standard, converted)
        strengths[varies] = regression.coef_[0]
        coefficients[varies] = regression.coef_[0] / spread[varies]
    return Fitted(coefficients, strengths)


def points_scale(features: list[Feature], fitted: Fitted) -> float | None:
    """Points per unit of log-odds: the rules keep their present total weight."""
    rules = [at for at, feature in enumerate(features) if feature.is_rule]
    weight = sum(abs(fitted.coefficients[at]) for at in rules)
    points = sum(abs(features[at].points or 0) for at in rules)
    if not rules or weight < 1e-9 or not points:
        return None
    return points / weight


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    if not trials:
        return 0.0, 1.0
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half / denominator), min(1.0, centre + half / denominator)


def lift(column: np.ndarray, converted: np.ndarray) -> dict:
    """Conversion of the leads the feature matches ÷ the base rate, with the 95 % interval of
    their conversion over the base rate, and the leads behind it."""
    matching = column > 0
    leads, won = int(matching.sum()), int(converted[matching].sum())
    base = float(converted.mean()) if len(converted) else 0.0
    if not leads or not base:
        return {"leads": leads, "converted": won, "lift": None, "low": None, "high": None}
    low, high = wilson(won, leads)
    return {
        "leads": leads,
        "converted": won,
        "lift": round(won / leads / base, 2),
        "low": round(low / base, 2),
        "high": round(high / base, 2),
    }


# Suggestions -----------------------------------------------------------------------------------


def _change(feature: Feature, points: int) -> dict:
    """What applying a suggestion does to a draft (``leads.scoring.lab.drafting``)."""
    if feature.is_rule:
        return {"action": "points", "kind": feature.kind, "rule": feature.rule_id, "points": points}
    if feature.kind == "new_fit":
        return {
            "action": "new_fit", "attribute": feature.attribute, "operator": Operator.EQUALS,
            "value": feature.value, "points": points,
        }  # fmt: skip
    return {
        "action": "new_engagement", "event_type": feature.event_type,
        "half_life_days": NEW_RULE_HALF_LIFE, "points": points,
    }  # fmt: skip


def _why(feature: Feature, figures: dict, coefficient: float, suggested: int | None) -> str:
    """One sentence on why: how the leads it matches converted, and what the fit makes of it."""
    if figures["leads"] < MIN_MATCHING:
        return (
            f"It matches {figures['leads']} of the closed leads; at least {MIN_MATCHING} are "
            "needed to say what it is worth."
        )
    per = "a match" if feature.kind in ("fit", "new_fit") else "an event"
    said = (
        f"Leads it matches converted at {figures['lift']}× the base rate "
        f"(95 %: {figures['low']}–{figures['high']}×, {figures['leads']:,} leads)"
    )
    if suggested is None:
        return f"{said}."
    said = f"{said}; the fit gives it {coefficient:+.2f} log-odds {per}, {suggested:+d} points"
    if not _clear(figures):
        return f"{said}, but the interval holds the base rate: no clear case to change it."
    return f"{said}."


def _clear(figures: dict) -> bool:
    """Whether the leads a feature matches clearly convert above or below the base rate."""
    return figures["lift"] is not None and (figures["low"] > 1 or figures["high"] < 1)


def suggestions(
    features: list[Feature], fitted: Fitted, matrix: np.ndarray, converted: np.ndarray
) -> tuple[list[dict], list[dict], float | None]:
    """The rules with their suggested points, the suggested new rules, each strongest first,
    and the points scale. A change is offered only where the leads a feature matches convert
    clearly above or below the base rate (their interval excludes it)."""
    scale = points_scale(features, fitted)
    order = np.argsort(-np.abs(fitted.strengths), kind="stable")
    rules, new_rules = [], []
    for rank, at in enumerate(order, 1):
        feature = features[at]
        figures = lift(matrix[:, at], converted)
        enough = figures["leads"] >= MIN_MATCHING and scale is not None
        suggested = int(round(scale * fitted.coefficients[at])) if enough else None
        item = {
            "key": feature.key,
            "kind": feature.kind,
            "text": feature.text,
            "current": feature.points,
            "suggested": suggested,
            "rank": rank,
            "strength": round(float(fitted.strengths[at]), 3),
            "coefficient": round(float(fitted.coefficients[at]), 4),
            **figures,
            "why": _why(feature, figures, float(fitted.coefficients[at]), suggested),
        }
        clear = suggested is not None and _clear(figures)
        if feature.is_rule:
            offered = clear and abs(suggested - feature.points) >= CHANGE_MIN
            rules.append({**item, "offered": offered, "change": _change(feature, suggested or 0)})
            continue
        if clear and abs(suggested) >= NEW_RULE_MIN:
            new_rules.append({**item, "offered": True, "change": _change(feature, suggested)})
    return rules, new_rules, scale


def points_vectors(features: list[Feature], offered: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The points of every feature now (candidates: 0) and with every offered suggestion."""
    now = np.array([feature.points or 0 for feature in features], dtype=float)
    after = now.copy()
    suggested = {item["key"]: item["suggested"] for item in offered if item["offered"]}
    for at, feature in enumerate(features):
        if feature.key in suggested:
            after[at] = suggested[feature.key]
    return now, after


def _later_check(model: ScoringModel, features: list[Feature], offered: list[dict], later) -> dict:
    """The suggestions checked on the later period's closed MQLs, never seen by the fit: the AUC
    of the rules' points added up (before caps) now, and with every suggestion."""
    if len(later) < MIN_LATER:
        return {
            "closed": len(later),
            "refusal": f"The check needs at least {MIN_LATER} leads with a known outcome among "
            f"the later period's MQLs; it has {len(later)}.",
        }
    sample = later.sample(SAMPLE_LIMIT)
    matrix = design(_observe(model, sample), features)
    now, after = points_vectors(features, offered)
    return {
        "closed": len(later),
        "sampled": len(sample),
        "converted": int(sample.converted.sum()),
        "auc_now": area_under_curve(matrix @ now, sample.converted),
        "auc_suggested": area_under_curve(matrix @ after, sample.converted),
    }


def _refusal(closed: Closed) -> str:
    won = int(closed.converted.sum())
    if len(closed) < MIN_CLOSED:
        return (
            f"The lab needs at least {MIN_CLOSED} closed leads (MQLs of the fitting period whose "
            f"outcome is known); you have {len(closed)}, and {closed.open} still open."
        )
    if min(won, len(closed) - won) < MIN_OUTCOME:
        return (
            f"The lab needs at least {MIN_OUTCOME} closed leads that converted and as many that "
            f"did not; you have {won} and {len(closed) - won}."
        )
    return ""


def lab_suggestions(run: LabRun) -> dict:
    """Fit on the MQLs of [fit_from, split), check on those of [split, later_to], and find the
    rejection patterns of the fitting period."""
    from leads.scoring.lab.rejections import rejection_patterns

    model = _loaded(run.model_id)
    parameters = run.parameters
    days = int(parameters["days"])
    split = datetime.date.fromisoformat(parameters["split"])
    fitting = period_bounds(
        datetime.date.fromisoformat(parameters["fit_from"]), split - datetime.timedelta(days=1)
    )
    later = period_bounds(split, datetime.date.fromisoformat(parameters["later_to"]))
    closed = closed_leads(*fitting, days)
    result = {
        "fit_from": parameters["fit_from"],
        "fit_to": (split - datetime.timedelta(days=1)).isoformat(),
        "later_from": parameters["split"],
        "later_to": parameters["later_to"],
        "days": days,
        "closed": len(closed),
        "open": closed.open,
        "converted": int(closed.converted.sum()),
        "refusal": _refusal(closed),
        "rules": [],
        "new_rules": [],
        "scale": None,
    }
    _progress(run, 10)
    if not result["refusal"]:
        sample = closed.sample(SAMPLE_LIMIT)
        observed = _observe(model, sample)
        _progress(run, 50)
        features = rule_features(model) + candidate_features(model, observed)
        matrix = design(observed, features)
        fitted = logistic_fit(matrix, sample.converted)
        rules, new_rules, scale = suggestions(features, fitted, matrix, sample.converted)
        result.update(
            sampled=len(sample),
            base_rate=round(float(sample.converted.mean()), 4),
            rules=rules,
            new_rules=new_rules,
            scale=round(scale, 2) if scale else None,
        )
        _progress(run, 70)
        result["later"] = _later_check(
            model, features, rules + new_rules, closed_leads(*later, days)
        )
    _progress(run, 90)
    result["patterns"] = rejection_patterns(model, *fitting, scale=result["scale"])
    return result
