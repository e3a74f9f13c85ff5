"""Building scoring models and criteria in tests, and reading what the compiled SQL says about
leads."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, connections
from django.utils import timezone

from leads.models import Lead
from leads.scoring import compiler
from leads.scoring.models import (
    EngagementRule,
    FitGroup,
    FitRule,
    QualificationCondition,
    QualificationCriteria,
    ScoringModel,
)
from leads.scoring.qualification import criteria_next_version
from leads.scoring.services import scoring_model_create

T = TypeVar("T")

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


def make_criteria(
    kind: str = "mql", *, name: str = "Test criteria", active: bool = True, conditions=(), **fields
) -> QualificationCriteria:
    """A criteria set numbered after its kind's versions: active (the set active before it
    archived, as an activation leaves them) or a draft. ``conditions`` of (attribute, operator,
    value). Written directly: tests of the pages cached definitions clear the cache themselves."""
    now = timezone.now()
    if active:
        QualificationCriteria.objects.filter(kind=kind).active().update(
            status=QualificationCriteria.Status.ARCHIVED, archived_at=now
        )
    criteria = QualificationCriteria.objects.create(
        kind=kind,
        name=name,
        version=criteria_next_version(kind),
        status=QualificationCriteria.Status.ACTIVE
        if active
        else QualificationCriteria.Status.DRAFT,
        activated_at=now if active else None,
        **fields,
    )
    for position, (attribute, operator, value) in enumerate(conditions, 1):
        QualificationCondition.objects.create(
            criteria=criteria, attribute=attribute, operator=operator, value=value,
            position=position,
        )  # fmt: skip
    return criteria


def while_waiting_on_a_lock(function: Callable[[], T], timeout: float = 30) -> Callable[[], T]:
    """Start ``function`` in another thread and return once it waits on a row lock held by
    another transaction (PostgreSQL says so); the returned callable waits for the thread and
    gives what ``function`` returned, or raises what it raised."""
    returned: list[T] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            returned.append(function())
        except BaseException as error:  # noqa: BLE001 - raised again by the caller
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and thread.is_alive():
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the function never waited on a lock")

    def result() -> T:
        thread.join(timeout=timeout)
        if errors:
            raise errors[0]
        return returned[0]

    return result
