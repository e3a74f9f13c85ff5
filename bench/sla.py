"""SLA at scale, on the leads an earlier part generated: a bulk MQL of 50,000 leads without an
owner, routed by a weighted rule over a sales team of 20 reps with their 150,000 clocks
started, and the breach sweep over 100,000 open clocks past due with one active webhook — each
timed against the fastest way to write the same rows by hand in the same run: one plain
``UPDATE`` of the leads (their owners known) with the same transitions, history and clocks
written by ``INSERT … SELECT``, and one plain ``UPDATE`` of the clocks.

The bulk MQL goes the way a real bulk qualification goes: ``stage_changes_write`` with every
subscriber of ``settings.LEADS_STAGE_CHANGE_SUBSCRIBERS``. They run on commit, in the process
that commits (routing, then the clocks; routing's owner hook on routing's own commit), so the
call returns once the leads are routed and their clocks started; only the e-mails of the
routing notifications and the breaches' webhook deliveries are tasks, sent to the bench's
broker (Redis) and not run here: no worker consumes them during the bench, and nothing is
posted.

The bench leaves the database as it found it: the leads it moved go back to their stage, times
and owner, and its transitions, owner history, clocks, notifications, deliveries, webhook,
rule, agreement, team and users are removed."""

from __future__ import annotations

import functools
import secrets
import socket
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg.types.json import Jsonb

import leads.selectors
import sla.alerts
import sla.clocks
import sla.routing
from bench.pages import Figures
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Lead
from sla.clocks import clocks_breach, clocks_sweep
from sla.models import (
    Agreement,
    Clock,
    ClockKind,
    Function,
    Notification,
    NotificationKind,
    RoutingRule,
    Signoff,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from sla.services import routing_rule_save, team_save
from smarketing.accounts import user_create
from smarketing.celery import app as celery_app
from smarketing.roles import Role

MQLS = 50_000
BREACHES = 100_000
REPS = 20
RULE = "bench: bulk MQL"
ROUTING_RULE = "Bench: all new MQLs"
ROUTED_BY = f"Routing: {ROUTING_RULE}"
USER_PREFIX = "bench-sla-"


def _agreement(now) -> Agreement:
    agreement = Agreement.objects.create(
        version=(Agreement.objects.order_by("-version").values_list("version", flat=True).first()
                 or 0) + 1,
        # In force from now: the sweep's repairs find no MQL of the generated data to start.
        effective_from=now, signed_at=now,
        mqls_per_month=5_000, min_accepted_percent=60, first_touch_hours=Decimal(4),
        touches_required=4, touches_within_days=7, decision_hours=Decimal(16),
    )  # fmt: skip
    for function in Function:
        Signoff.objects.create(agreement=agreement, function=function)
    return agreement


def _user(name: str, role: Role) -> User:
    return user_create(
        username=f"{USER_PREFIX}{name}", role=role, password=secrets.token_urlsafe(24),
        email=f"{USER_PREFIX}{name}@bench.invalid", first_name="Bench", last_name=name.title(),
        validate=False,
    )  # fmt: skip


def _team() -> tuple[Team, dict[int, int]]:
    """A sales team of ``REPS`` reps of weights 1, 2 and 3 in turn, with a manager, and a
    weighted rule over it for every new MQL; returns the team and each rep's weight."""
    manager = _user("manager", Role.SALES_MANAGER)
    team = team_save(data={"name": "Bench sales", "function": "sales", "time_zone": "UTC",
                           "manager": manager})  # fmt: skip
    weights = {}
    for number in range(1, REPS + 1):
        rep = _user(f"rep-{number}", Role.SALES)
        member = TeamMember.objects.create(team=team, user=rep, weight=1 + (number - 1) % 3)
        weights[rep.pk] = member.weight
    routing_rule_save(data={"name": ROUTING_RULE, "position": 0, "team": team, "weighted": True})
    return team, weights


def _closed_port() -> int:
    """A local port nobody listens on: a delivery to it would be refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _spans(*targets: tuple[object, str]):
    """Time each of these functions while they run (seconds summed by ``module.name``); the
    wrapper is one call and two clock reads around work of seconds."""
    spans: dict[str, float] = {}
    with ExitStack() as stack:
        for module, name in targets:
            original, key = getattr(module, name), f"{module.__name__}.{name}"

            @functools.wraps(original)
            def timed(*args, _original=original, _key=key, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    spans[_key] = spans.get(_key, 0.0) + time.perf_counter() - started

            stack.enter_context(mock.patch.object(module, name, timed))
        yield spans


# --- the by-hand references --------------------------------------------------------------------


def _reference_mql(ids, owners, agreement, at, dues, rule, notifications) -> dict[str, int]:
    """The same bulk MQL by hand, every row known: one plain ``UPDATE`` of the leads (stage,
    owner, times) from arrays, and ``INSERT … SELECT``s of the same transitions, owner history,
    clocks, routing tallies and notifications. Returns the rows written per table."""
    kinds = list(ClockKind.values)
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET stage = 'mql', owner_id = v.owner, stage_changed_at = %s, "
            "updated_at = %s FROM unnest(%s::bigint[], %s::integer[]) AS v(id, owner) "
            "WHERE leads_lead.id = v.id AND stage = 'lead' AND owner_id IS NULL",
            [at, at, ids, owners],
        )
        written["leads"] = cursor.rowcount
        cursor.execute(
            "INSERT INTO leads_stagetransition (lead_id, from_stage, to_stage, at, actor_id, rule, "
            "reason, rejection_reason_id, scores) "
            "SELECT id, 'lead', 'mql', %s, NULL, %s, '', NULL, '{}' FROM unnest(%s::bigint[]) AS id",
            [at, RULE, ids],
        )  # fmt: skip
        written["transitions"] = cursor.rowcount
        cursor.execute(
            "INSERT INTO leads_ownerchange (lead_id, from_owner_id, to_owner_id, at, actor_id, rule) "
            "SELECT v.id, NULL, v.owner, %s, NULL, %s "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, owner)",
            [at, ROUTED_BY, ids, owners],
        )  # fmt: skip
        written["owner_changes"] = cursor.rowcount
        cursor.execute(
            "INSERT INTO sla_clock (lead_id, kind, agreement_id, owner_id, started_at, due_at, "
            "touches_needed, status, touches_done) "
            "SELECT v.id, k.kind, %s, v.owner, %s, k.due, k.needed, 'running', 0 "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, owner) "
            "CROSS JOIN unnest(%s::text[], %s::timestamptz[], %s::smallint[]) AS k(kind, due, needed) "
            "ON CONFLICT DO NOTHING",
            [agreement.pk, at, ids, owners, kinds, [dues[kind] for kind in kinds],
             [agreement.touches_required if kind == "touches" else 1 for kind in kinds]],
        )  # fmt: skip
        written["clocks"] = cursor.rowcount
        tally = Counter(owners)
        cursor.execute(
            "INSERT INTO sla_routingtally (rule_id, user_id, assigned) "
            "SELECT %s, * FROM unnest(%s::integer[], %s::integer[])",
            [rule.pk, list(tally), list(tally.values())],
        )
        cursor.execute(
            "INSERT INTO sla_notification (user_id, kind, key, text, url, lead_ids, created_at) "
            "SELECT user_id, %s, key, text, %s, lead_ids, %s "
            "FROM unnest(%s::integer[], %s::text[], %s::text[], %s::jsonb[]) "
            "AS n(user_id, key, text, lead_ids)",
            [NotificationKind.MQLS_ASSIGNED, reverse("leads:queue"), at,
             *([list(column) for column in zip(*notifications, strict=True)] or [[]] * 4)],
        )  # fmt: skip
    return written


def _reference_update(ids: list[int]) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_clock SET status = 'breached', breached_at = due_at WHERE id = ANY(%s)",
            [ids],
        )
        return cursor.rowcount


# --- putting things back -----------------------------------------------------------------------


def _leads_back(picked, *, owners: bool) -> None:
    """The picked leads back in stage lead with their times, and without an owner (or, with
    ``owners``, with the owner each had)."""
    ids, old_owners, ats, updated = (list(column) for column in zip(*picked, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads_lead SET stage = 'lead', stage_changed_at = v.at, updated_at = v.updated, "
            "owner_id = v.owner "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::integer[]) "
            "AS v(id, at, updated, owner) WHERE leads_lead.id = v.id",
            [ids, ats, updated, old_owners if owners else [None] * len(ids)],
        )  # fmt: skip


def _mql_undo(picked, agreement, rule, rep_ids) -> None:
    """Undo a bulk MQL of the picked leads (the engine's or the reference's)."""
    ids = [row[0] for row in picked]
    Clock.objects.filter(agreement=agreement).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM leads_stagetransition WHERE lead_id = ANY(%s) AND rule = %s", [ids, RULE]
        )
        cursor.execute(
            "DELETE FROM leads_ownerchange WHERE lead_id = ANY(%s) AND rule = %s", [ids, ROUTED_BY]
        )
    rule.tallies.all().delete()
    Notification.objects.filter(user_id__in=list(rep_ids)).delete()
    _leads_back(picked, owners=False)


def _breaches_undo(late: list[int], webhook: Webhook, user_ids) -> tuple[int, int]:
    """The breached clocks running again, their notifications and deliveries removed; returns
    how many of each there were."""
    Clock.objects.filter(pk__in=late).update(status="running", breached_at=None)
    notified = Notification.objects.filter(
        user_id__in=user_ids, kind=NotificationKind.CLOCKS_BREACHED
    ).delete()[0]
    delivered = WebhookDelivery.objects.filter(webhook=webhook).delete()[0]
    return notified, delivered


# --- the bench ---------------------------------------------------------------------------------


def measure_sla(figures: Figures) -> None:
    if celery_app.conf.task_always_eager:
        # Eager tasks would run the e-mails and the webhook deliveries inside the timed calls.
        figures.add("sla_skipped", "tasks run eagerly: the bench needs a broker", "")
        return
    total = Lead.objects.count()
    available = Lead.objects.filter(stage="lead").count()
    if available < 2:
        figures.add("sla_skipped", f"only {available} leads in stage lead", "")
        return
    # 50,000 at 1M leads; at a smaller scale, as many as there are (2 clocks in 3 late).
    mqls = min(MQLS, available)
    breaches = min(BREACHES, 2 * mqls)
    figures.add("sla_leads", f"{total:,}", "leads in the database")
    now = timezone.now().replace(microsecond=0)
    picked = list(
        Lead.objects.filter(stage="lead")
        .order_by("id")
        .values_list("id", "owner_id", "stage_changed_at", "updated_at")[:mqls]
    )
    ids = [row[0] for row in picked]
    agreement = _agreement(now)
    webhook = Webhook.objects.create(
        name="Bench receiver", url=f"http://127.0.0.1:{_closed_port()}/sla"
    )
    try:
        team, weights = _team()
        rule = RoutingRule.objects.get(name=ROUTING_RULE)
        user_ids = [*weights, team.manager_id]
        # Routing takes only leads nobody owns: the picked leads' owners (if any) are cleared,
        # and given back at the end.
        _leads_back(picked, owners=False)
        changes = [StageChange(lead_id=pk, from_stage="lead", to_stage="mql", at=now, rule=RULE)
                   for pk in ids]  # fmt: skip
        assert not connection.in_atomic_block  # the hooks run on this call's commit, timed
        hooks = ((leads.selectors, "stage_counts_changed"), (sla.routing, "stage_changes_written"),
                 (sla.clocks, "owners_changed"), (sla.clocks, "stage_changes_written"))  # fmt: skip
        with _spans(*hooks) as spans:
            started = time.perf_counter()
            stage_changes_write(changes)
            ours = time.perf_counter() - started

        # What the engine did: every lead given to a rep of the team, fairly by weight, its
        # clocks with that rep.
        assigned = dict(Lead.objects.filter(pk__in=ids, stage="mql").values_list("id", "owner_id"))
        per_rep = Counter(assigned.values())
        share = mqls / sum(weights.values())
        fair = all(abs(per_rep[rep] - share * weight) <= 1 for rep, weight in weights.items())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sla_clock c JOIN leads_lead l ON l.id = c.lead_id "
                "WHERE c.agreement_id = %s AND c.owner_id = l.owner_id",
                [agreement.pk],
            )
            clocks_owned = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM leads_ownerchange WHERE lead_id = ANY(%s) AND rule = %s",
                [ids, ROUTED_BY],
            )
            owner_changes = cursor.fetchone()[0]
        clocks = Clock.objects.filter(agreement=agreement).count()
        dues = dict(
            Clock.objects.filter(agreement=agreement, lead_id=ids[0]).values_list("kind", "due_at")
        )
        notifications = [
            (user_id, key, text, Jsonb(lead_ids))
            for user_id, key, text, lead_ids in Notification.objects.filter(
                user_id__in=list(weights), kind=NotificationKind.MQLS_ASSIGNED
            ).values_list("user_id", "key", "text", "lead_ids")
        ]
        engine_agrees = (
            len(assigned) == mqls and set(per_rep) <= set(weights) and fair
            and clocks == clocks_owned == 3 * mqls and owner_changes == mqls
            and len(notifications) == len(per_rep)
        )  # fmt: skip
        _mql_undo(picked, agreement, rule, weights)

        # By hand, the same rows: each lead's owner as the engine's weighted round robin gave
        # it (a precomputed round robin gives these very rows), the clocks' due times known.
        owners = [assigned.get(pk) for pk in ids]
        started = time.perf_counter()
        written = _reference_mql(ids, owners, agreement, now, dues, rule, notifications)
        reference = time.perf_counter() - started
        same = engine_agrees and written == {
            "leads": mqls, "transitions": mqls, "owner_changes": mqls, "clocks": 3 * mqls
        }  # fmt: skip
        name = f"sla_bulk_mql_routed_{mqls}_seconds"
        figures.add(name, ours, f"s ({mqls:,} leads to {len(per_rep)} reps, {clocks:,} clocks)")
        figures.add("sla_bulk_mql_routed_reference_seconds", reference,
                    "s (one plain UPDATE of the leads, INSERT … SELECT of the transitions, "
                    "history and clocks)")  # fmt: skip
        figures.add("sla_bulk_mql_routed_vs_reference", ours / reference, "x")
        hooked = sum(spans.values()) - spans.get("sla.clocks.owners_changed", 0.0)
        figures.add(
            "sla_bulk_mql_routed_parts",
            f"stage write {ours - hooked:.1f} s, routing "
            f"{spans.get('sla.routing.stage_changes_written', 0.0):.1f} s (its owner hook "
            f"{spans.get('sla.clocks.owners_changed', 0.0):.1f} s), clocks "
            f"{spans.get('sla.clocks.stage_changes_written', 0.0):.1f} s, board counts "
            f"{spans.get('leads.selectors.stage_counts_changed', 0.0):.1f} s",
        )
        figures.add(
            "sla_bulk_mql_routed_agree", "yes" if same else "NO",
            f"(per rep {min(per_rep.values(), default=0)}–{max(per_rep.values(), default=0)} "
            f"for weights 1–3, fair by weight within 1: {'yes' if fair else 'NO'}; "
            f"{clocks_owned:,} clocks with the lead's owner)",
        )  # fmt: skip

        # Of the reference's clocks (the same rows), ``breaches`` past due: the sweep marks them,
        # once, and announces them in its transaction — notifications, a delivery each to the
        # webhook (sent by a task, to the broker only).
        late = list(
            Clock.objects.filter(agreement=agreement)
            .order_by("id")
            .values_list("id", flat=True)[:breaches]
        )
        Clock.objects.filter(pk__in=late).update(due_at=now - timedelta(minutes=5))
        with _spans((sla.alerts, "_notify"), (sla.alerts, "_deliveries_write")) as spans:
            started = time.perf_counter()
            marked = clocks_breach(timezone.now())
            ours = time.perf_counter() - started
        notified, delivered = _breaches_undo(late, webhook, user_ids)
        started = time.perf_counter()
        by_hand = _reference_update(late)
        reference = time.perf_counter() - started
        _breaches_undo(late, webhook, user_ids)
        started = time.perf_counter()
        sweep = clocks_sweep(timezone.now())
        whole = time.perf_counter() - started
        again = clocks_sweep(timezone.now())
        figures.add(f"sla_breach_sweep_{breaches}_seconds", ours,
                    f"s ({len(marked):,} clocks marked)")  # fmt: skip
        figures.add("sla_breach_reference_seconds", reference, "s (one plain UPDATE of the rows)")
        figures.add("sla_breach_vs_reference", ours / reference, "x")
        figures.add("sla_breach_announced",
                    f"{notified} notifications, {delivered:,} webhook deliveries", "")  # fmt: skip
        announce = spans.get("sla.alerts._notify", 0.0) + spans.get(
            "sla.alerts._deliveries_write", 0.0
        )
        figures.add(
            "sla_breach_parts",
            f"update {ours - announce:.1f} s, notifications "
            f"{spans.get('sla.alerts._notify', 0.0):.1f} s, deliveries "
            f"{spans.get('sla.alerts._deliveries_write', 0.0):.1f} s",
        )
        agree = len(marked) == by_hand == breaches and delivered == breaches and notified > 0
        figures.add("sla_breach_agree", "yes" if agree else "NO", "")
        figures.add("sla_sweep_with_repairs_seconds", whole,
                    f"s ({len(sweep.breached):,} marked; a second sweep marked "
                    f"{len(again.breached)})")  # fmt: skip
    finally:
        Clock.objects.filter(agreement=agreement).delete()
        WebhookDelivery.objects.filter(webhook=webhook).delete()
        webhook.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM leads_stagetransition WHERE lead_id = ANY(%s) AND rule = %s",
                [ids, RULE],
            )
            cursor.execute(
                "DELETE FROM leads_ownerchange WHERE lead_id = ANY(%s) AND rule = %s",
                [ids, ROUTED_BY],
            )
        _leads_back(picked, owners=True)
        Signoff.objects.filter(agreement=agreement).delete()
        agreement.delete()
        RoutingRule.objects.filter(name=ROUTING_RULE).delete()
        Team.objects.filter(name="Bench sales").delete()
        User.objects.filter(username__startswith=USER_PREFIX).delete()
