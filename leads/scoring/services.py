"""Versions of the scoring model: created, checked, activated (now, with the rescore of every
lead, or at a moment, by beat), cloned. Scores are written by ``leads.scoring.engine``.

Qualification criteria are versioned the same way: ``leads.scoring.qualification`` activates
and schedules them through the private helpers of this module's first section, which change a
version's status and nothing else (no rescore, no refreshed definitions), so that only
``scoring_model_activate`` and ``criteria_activate`` are called from outside."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone

from leads.scoring.models import (
    EngagementRule,
    FitGroup,
    FitRule,
    RunStatus,
    ScoringModel,
    ScoringRun,
    VersionStatus,
)
from leads.scoring.models.runs import UNFINISHED
from leads.scoring.models.versions import Version
from leads.scoring.runs import scoring_run_start

# Activating and scheduling any version ---------------------------------------------------------


class _NotClaimed(Exception):
    """The version was no longer in the status the activation expected: roll back."""


def _version_activate(
    version: Version, *, actor, now: datetime.datetime, due: bool = False
) -> bool:
    """Make ``version`` the active one among its peers, archiving the one active before, in one
    transaction, and once: the version is claimed by a conditional update from a draft (or a
    scheduled version; ``due``: only a scheduled one whose moment has come), so two beats, a
    retried task or an admin racing them activate it once. Records who (unless it was
    scheduled: who scheduled it) and when. Returns whether this call activated it."""
    Model = type(version)
    peers = version.peers()
    expected = [VersionStatus.SCHEDULED] if due else [VersionStatus.DRAFT, VersionStatus.SCHEDULED]
    claimed = Model.objects.filter(pk=version.pk, status__in=expected)
    if due:
        claimed = claimed.filter(activate_at__lte=now)
    changes = {"status": VersionStatus.ACTIVE, "activated_at": now}
    if not due:
        changes["activated_by"] = actor
    try:
        with transaction.atomic():
            # Every version that could be active, locked in one order: activations of the same
            # peers run one after the other, even while none is active yet.
            list(
                peers.select_for_update()
                .exclude(status=VersionStatus.ARCHIVED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            peers.active().exclude(pk=version.pk).update(
                status=VersionStatus.ARCHIVED, archived_at=now
            )
            if not claimed.update(**changes):
                raise _NotClaimed
    except _NotClaimed:
        return False
    version.refresh_from_db()
    return True


def moment_text(moment: datetime.datetime) -> str:
    """``3 Jun 2026, 14:00 UTC`` in the portal's time zone, as pages and messages say a moment."""
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i T")


def schedule_moment_problem(at: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """Why ``at`` cannot be an activation moment ('' when it can): it must be to come."""
    now = now or timezone.now()
    if at <= now:
        return f"{moment_text(at)} has passed: choose a moment to come, or activate it now instead."
    return ""


def _version_schedule(
    version: Version, *, actor, at: datetime.datetime, problems: list[str]
) -> Version:
    """Schedule the draft ``version`` for ``at``: read-only until beat activates it, unless it is
    unscheduled back to a draft first. Refused with ``problems`` (what would stop it from being
    activated) or when ``at`` has passed."""
    moment_problem = schedule_moment_problem(at)
    if moment_problem:
        raise ValidationError({"activate_at": moment_problem})
    if problems:
        raise ValidationError(problems)
    scheduled = (
        type(version)
        .objects.filter(pk=version.pk, status=VersionStatus.DRAFT)
        .update(status=VersionStatus.SCHEDULED, activate_at=at, activated_by=actor)
    )
    if not scheduled:
        raise ValidationError(
            f"Only a draft can be scheduled; {version.version_name} is not a draft."
        )
    version.refresh_from_db()
    return version


def _version_unschedule(version: Version) -> Version:
    """Return a scheduled version to a draft, which can be edited again."""
    unscheduled = (
        type(version)
        .objects.filter(pk=version.pk, status=VersionStatus.SCHEDULED)
        .update(status=VersionStatus.DRAFT, activate_at=None, activated_by=None)
    )
    if not unscheduled:
        raise ValidationError(f"{version.version_name} is not scheduled.")
    version.refresh_from_db()
    return version


# Versions -----------------------------------------------------------------------------------


def scoring_model_next_version() -> int:
    return (ScoringModel.objects.aggregate(highest=Max("version"))["highest"] or 0) + 1


@transaction.atomic
def scoring_model_create(*, name: str, actor=None, **fields) -> ScoringModel:
    """A new draft, numbered after every existing version (the unique version refuses a tie)."""
    model = ScoringModel(
        name=name, created_by=actor, version=scoring_model_next_version(), **fields
    )
    model.full_clean()
    model.save()
    return model


def scoring_model_problems(model: ScoringModel) -> list[str]:
    """Every refusal of the model and its rules, each naming the rule and why."""
    problems: list[str] = []
    for record in [
        model,
        *model.fit_groups.all(),
        *model.fit_rules.select_related("group"),
        *model.engagement_rules.all(),
    ]:
        try:
            record.full_clean(exclude=["model", "version"])
        except ValidationError as error:
            problems.extend(
                message for messages in error.message_dict.values() for message in messages
            )
    return problems


def _superseded_runs_stop(model: ScoringModel, now: datetime.datetime) -> None:
    """Close the unfinished rescores of the versions ``model`` replaced: a worker writing one
    stops at its next chunk (``RunSuperseded``), and one never picked up no longer shows as
    waiting."""
    ScoringRun.objects.filter(status__in=UNFINISHED).exclude(model=model).update(
        status=RunStatus.FAILED,
        error=f"{model.version_name} was activated: the version rescored here is no longer "
        "the active model.",
        finished_at=now,
    )


@transaction.atomic
def scoring_model_activate(
    *,
    model: ScoringModel,
    actor,
    at: datetime.datetime | None = None,
    enqueue: bool = True,
) -> ScoringRun | None:
    """Activate the draft (or scheduled) ``model`` now, archiving the active version, and start
    the rescore of every lead it needs: returns the run (enqueued when the transaction
    commits; ``enqueue=False``: the caller runs it, as the benchmark does to time it).

    With ``at``, schedule the draft for that moment instead (returns None): beat activates it
    then, through ``scoring_models_activate_due``, and starts its rescore the same way."""
    problems = scoring_model_problems(model)
    if at is not None:
        _version_schedule(model, actor=actor, at=at, problems=problems)
        return None
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    if not _version_activate(model, actor=actor, now=now):
        raise ValidationError(
            f"Only a draft can be activated; {model.version_name} is "
            f"{ScoringModel.objects.get(pk=model.pk).get_status_display().lower()}."
        )
    _superseded_runs_stop(model, now)
    return scoring_run_start(
        model=model, kind=ScoringRun.Kind.ACTIVATION, actor=actor, enqueue=enqueue
    )


@transaction.atomic
def scoring_model_unschedule(*, model: ScoringModel) -> ScoringModel:
    """Return a scheduled version to a draft, to edit it or schedule it again."""
    return _version_unschedule(model)


def scoring_models_activate_due(*, now: datetime.datetime | None = None) -> list[ScoringRun]:
    """Activate the scheduled versions whose moment has come (beat), each once, each with its
    rescore; returns the runs started. Two calls at once activate each version once: the one
    that claims it starts its run, the other finds it active."""
    now = now or timezone.now()
    runs = []
    for model in ScoringModel.objects.due(now):
        with transaction.atomic():
            if _version_activate(model, actor=None, now=now, due=True):
                _superseded_runs_stop(model, now)
                runs.append(
                    scoring_run_start(
                        model=model, kind=ScoringRun.Kind.ACTIVATION, actor=model.activated_by
                    )
                )
    return runs


# A version's life: a copy starts these afresh.
_VERSION_LIFE = (
    "version",
    "status",
    "created_by",
    "created_at",
    "activated_by",
    "activated_at",
    "archived_at",
)


def _copy(row, *, leave: tuple[str, ...] = (), **overrides):
    """An unsaved copy of ``row`` with every column but its key, those in ``leave`` (left to their
    defaults) and ``overrides``; so a column added later is copied without a change here."""
    values = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if not field.primary_key and field.name not in leave and field.name not in overrides
    }
    return type(row)(**values, **overrides)


@transaction.atomic
def scoring_model_clone(*, model: ScoringModel, actor) -> ScoringModel:
    """A draft copy of ``model`` with every group and rule, numbered as the next version."""
    copy = _copy(model, leave=_VERSION_LIFE, version=scoring_model_next_version(), created_by=actor)
    copy.save()
    groups = {}
    for group in model.fit_groups.all():
        groups[group.pk] = _copy(group, model=copy)
        groups[group.pk].save()
    FitRule.objects.bulk_create(
        _copy(rule, model=copy, group=groups.get(rule.group_id)) for rule in model.fit_rules.all()
    )
    EngagementRule.objects.bulk_create(
        _copy(rule, model=copy) for rule in model.engagement_rules.all()
    )
    return copy


@transaction.atomic
def scoring_model_default(*, actor=None) -> ScoringModel:
    """A sensible starter draft: B2B fit on role and company size, engagement that fades."""
    model = scoring_model_create(
        name="Starter model",
        actor=actor,
        description="Fit on role and company size; engagement from buying signals, decayed.",
        overall_cap=150,
    )
    role = FitGroup.objects.create(model=model, name="role", cap=30)
    company = FitGroup.objects.create(model=model, name="company", cap=30)
    fit_rules = [
        (role, "seniority", "one_of", ["c_level", "vp", "owner"], 20),
        (role, "seniority", "one_of", ["director", "manager"], 12),
        (role, "department", "one_of", ["marketing", "sales"], 10),
        (role, "seniority", "equals", "entry", -5),
        (company, "company.size_band", "one_of", ["201-1000", "1001-5000", "5001+"], 20),
        (company, "company.size_band", "equals", "51-200", 12),
        (company, "company.size_band", "equals", "1-10", -10),
        (company, "company.annual_revenue_band", "one_of", ["50m-250m", "250m-1b", "1b+"], 10),
        (None, "phone", "is_set", None, 3),
        (None, "email", "contains", "@gmail.", -10),
    ]
    FitRule.objects.bulk_create(
        FitRule(
            model=model, group=group, attribute=attribute, operator=operator, value=value,
            points=points, position=position,
        )
        for position, (group, attribute, operator, value, points) in enumerate(fit_rules, 1)
    )  # fmt: skip
    engagement_rules = [
        # event type, property filter, points, half-life, window, cap
        ("demo_request", ("", "", ""), 40, 90, None, 60),
        ("pricing_page_view", ("", "", ""), 10, 14, None, 30),
        ("page_view", ("url", "contains", "/pricing"), 10, 14, None, 30),
        ("content_download", ("", "", ""), 8, 30, None, 24),
        ("webinar_attended", ("", "", ""), 15, 60, None, 30),
        ("email_click", ("", "", ""), 3, 14, 90, 15),
        ("page_view", ("", "", ""), 1, 7, 30, 10),
        ("unsubscribe", ("", "", ""), -20, None, None, 20),
        ("email_bounce", ("", "", ""), -10, None, None, 10),
    ]
    EngagementRule.objects.bulk_create(
        EngagementRule(
            model=model, event_type=event_type, property_key=key, property_operator=operator,
            property_value=value, points=points, half_life_days=half_life,
            window_days=window, cap=cap, position=position,
        )
        for position, (event_type, (key, operator, value), points, half_life, window, cap)
        in enumerate(engagement_rules, 1)
    )  # fmt: skip
    return model
