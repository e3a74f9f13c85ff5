"""SLA clocks at scale, on the leads an earlier part generated: a bulk MQL of 50,000 leads with
its 150,000 clocks started by the lifecycle hook's service, and the breach sweep over 100,000
open clocks past due — each timed against the fastest way to write the same rows by hand in
the same run: one ``INSERT … SELECT`` of the same clocks with their due times already known,
and one plain ``UPDATE`` of the same rows.

The bench leaves the database as it found it: the leads it moved go back to their stage, and
its transitions, clocks, agreement and team are removed."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from bench.pages import Figures
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Lead, StageTransition
from sla.clocks import Start, clocks_breach, clocks_start, clocks_sweep
from sla.models import Agreement, Clock, ClockKind, Function, Signoff, Team
from sla.services import team_save

MQLS = 50_000
BREACHES = 100_000
RULE = "bench: bulk MQL"


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


def _reference_insert(ids: list[int], agreement: Agreement, at, dues: dict[str, object]) -> int:
    """The same clocks by hand: one INSERT … SELECT from the leads, due times computed once."""
    kinds = list(ClockKind.values)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sla_clock (lead_id, kind, agreement_id, owner_id, started_at, due_at, "
            "touches_needed, status, touches_done) "
            "SELECT l.id, k.kind, %s, l.owner_id, %s, k.due, k.needed, 'running', 0 "
            "FROM leads_lead l CROSS JOIN unnest(%s::text[], %s::timestamptz[], %s::smallint[]) "
            "AS k(kind, due, needed) WHERE l.id = ANY(%s) ON CONFLICT DO NOTHING",
            [agreement.pk, at, kinds, [dues[kind] for kind in kinds],
             [agreement.touches_required if kind == "touches" else 1 for kind in kinds], ids],
        )  # fmt: skip
        return cursor.rowcount


def _reference_update(ids: list[int]) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_clock SET status = 'breached', breached_at = due_at WHERE id = ANY(%s)",
            [ids],
        )
        return cursor.rowcount


def _reset(ids: list[int]) -> None:
    Clock.objects.filter(pk__in=ids).update(status="running", breached_at=None)


def measure_sla(figures: Figures) -> None:
    now = timezone.now().replace(microsecond=0)
    picked = list(
        Lead.objects.filter(stage="lead")
        .order_by("id")
        .values_list("id", "owner_id", "stage_changed_at")[:MQLS]
    )
    if len(picked) < MQLS:
        figures.add("sla_skipped", f"only {len(picked)} leads in stage lead", "")
        return
    leads = [(pk, owner) for pk, owner, _at in picked]
    ids = [pk for pk, _owner in leads]
    agreement = _agreement(now)
    team = team_save(data={"name": "Bench sales", "function": "sales", "time_zone": "UTC"})
    hooks = [
        path for path in settings.LEADS_STAGE_CHANGE_SUBSCRIBERS if not path.startswith("sla.")
    ]
    try:
        changes = [StageChange(lead_id=pk, from_stage="lead", to_stage="mql", at=now, rule=RULE)
                   for pk in ids]  # fmt: skip
        with override_settings(LEADS_STAGE_CHANGE_SUBSCRIBERS=hooks):
            started = time.perf_counter()
            stage_changes_write(changes)
            figures.add("sla_bulk_mql_50000_seconds", time.perf_counter() - started, "s")

        started = time.perf_counter()
        clocks_start([Start(pk, now, owner) for pk, owner in leads])
        ours = time.perf_counter() - started
        written = Clock.objects.filter(agreement=agreement).count()
        dues = dict(
            Clock.objects.filter(agreement=agreement, lead_id=ids[0]).values_list("kind", "due_at")
        )
        Clock.objects.filter(agreement=agreement).delete()
        started = time.perf_counter()
        by_hand = _reference_insert(ids, agreement, now, dues)
        reference = time.perf_counter() - started
        same = written == by_hand == 3 * MQLS
        figures.add("sla_clocks_started_seconds", ours, f"s ({written:,} clocks for {MQLS:,} MQLs)")
        figures.add("sla_clocks_started_reference_seconds", reference,
                    "s (one INSERT … SELECT, due times known)")  # fmt: skip
        figures.add("sla_clocks_started_vs_reference", ours / reference, "x")
        figures.add("sla_clocks_started_agree", "yes" if same else "NO", "")

        # 100,000 of the clocks past due: the sweep marks them, once.
        late = list(
            Clock.objects.filter(agreement=agreement)
            .order_by("id")
            .values_list("id", flat=True)[:BREACHES]
        )
        Clock.objects.filter(pk__in=late).update(due_at=now - timedelta(minutes=5))
        started = time.perf_counter()
        marked = clocks_breach(timezone.now())
        ours = time.perf_counter() - started
        _reset(late)
        started = time.perf_counter()
        by_hand = _reference_update(late)
        reference = time.perf_counter() - started
        _reset(late)
        started = time.perf_counter()
        sweep = clocks_sweep(timezone.now())
        whole = time.perf_counter() - started
        again = clocks_sweep(timezone.now())
        figures.add("sla_breach_sweep_100000_seconds", ours, f"s ({len(marked):,} clocks marked)")
        figures.add("sla_breach_reference_seconds", reference, "s (one plain UPDATE of the rows)")
        figures.add("sla_breach_vs_reference", ours / reference, "x")
        figures.add("sla_breach_agree", "yes" if len(marked) == by_hand == BREACHES else "NO", "")
        figures.add("sla_sweep_with_repairs_seconds", whole,
                    f"s ({len(sweep.breached):,} marked; a second sweep marked "
                    f"{len(again.breached)})")  # fmt: skip
    finally:
        Clock.objects.filter(agreement=agreement).delete()
        StageTransition.objects.filter(rule=RULE).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead SET stage = 'lead', stage_changed_at = v.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) "
                "WHERE leads_lead.id = v.id",
                [ids, [at for _pk, _owner, at in picked]],
            )
        Signoff.objects.filter(agreement=agreement).delete()
        agreement.delete()
        Team.objects.filter(pk=team.pk).delete()
