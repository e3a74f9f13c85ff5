"""Fill PostgreSQL with synthetic companies, leads, stage transitions, touches and events, fast.

Rows are produced by generators (``leads.generate``) and streamed with COPY through psycopg 3.
For a large load the secondary indexes and foreign keys of the tables being filled are dropped
first and rebuilt once at the end (one sort per index and one validating join per key instead of
one check per row), inside the same transaction, so a failure leaves the tables as they were.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from array import array
from bisect import bisect
from datetime import UTC, timedelta

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from leads import generate
from leads.models import (
    Company,
    Event,
    Lead,
    LeadSearch,
    RejectionReason,
    StageTransition,
    Touch,
)
from leads.search import leads_search_write
from leads.selectors import stage_counts_invalidate
from smarketing.accounts import user_create
from smarketing.roles import Role

CHUNK_ROWS = 20_000
NULL = r"\N"
BENCH_REPS = 8
# Below this many new rows (or below the rows already there), indexes are kept and updated.
REBUILD_THRESHOLD = 10_000
TABLES = (Company, Lead, StageTransition, Touch, Event)
# Tables filled from others (their key is a lead's), rather than given ids of their own.
DERIVED = (LeadSearch,)
STAGE_KEYS = generate.STAGES
SIDE_EXIT_INDEXES = {
    generate.STAGE_INDEX[generate.RECYCLED],
    generate.STAGE_INDEX[generate.DISQUALIFIED],
}


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class Table:
    """A table filled by COPY: the columns the generator writes, then every other column with
    its model default (so a field added later does not break the generator)."""

    def __init__(self, model, columns: list[str], now_text: str, name: str = "") -> None:
        self.model = model
        self.name = name or model._meta.db_table
        tail_columns, tail_values = [], []
        for field in model._meta.concrete_fields:
            if field.column in columns:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now_text
            else:
                value = _text(field.get_default())
            tail_columns.append(field.column)
            tail_values.append(value)
        self.columns = [*columns, *tail_columns]
        self.tail = "".join(f"\t{value}" for value in tail_values) + "\n"

    def copy_sql(self) -> str:
        quoted = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        return f"COPY {connection.ops.quote_name(self.name)} ({quoted}) FROM STDIN"


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with synthetic leads, transitions and events by COPY "
        "(for benchmarks; the demo uses `manage.py load_demo`)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--leads", type=int, required=True)
        parser.add_argument("--events", type=int, required=True)
        parser.add_argument("--companies", type=int, help="Default: one per 20 leads.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="Empty the leads tables first.")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_data loads PostgreSQL with COPY. On SQLite (the demo) run "
                "`manage.py load_demo`, which loads the demo history with bulk_create."
            )
        lead_count, event_count = options["leads"], options["events"]
        company_count = options["companies"] or max(1, lead_count // 20)
        if min(lead_count, event_count) < 0 or company_count < 1:
            raise CommandError("Counts must not be negative, and at least one company is needed.")
        if event_count and not lead_count:
            raise CommandError("Events need leads: pass --leads.")
        self.quiet = options["verbosity"] == 0
        self.rng = random.Random(options["seed"])  # noqa: S311 - synthetic data, seeded
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.minute_text = _minute_texts(self.now)
        self.timings: list[tuple[str, int, float]] = []
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            self.cursor = cursor
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            if options["reset"]:
                tables = ", ".join(model._meta.db_table for model in TABLES)
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            owners = self._owners()
            campaigns = generate.campaigns_ensure(self.now.date())
            planned = {
                Company: company_count,
                Lead: lead_count,
                LeadSearch: lead_count,
                StageTransition: lead_count * 3,
                Touch: lead_count // 2,
                Event: event_count,
            }
            rebuild = self._drop_keys_and_indexes(planned)
            first = {model: self._next_id(model) for model in TABLES}
            companies = self._copy_companies(first[Company], company_count)
            plan = self._copy_leads(first[Lead], lead_count, companies, owners, campaigns)
            self._write_search(first[Lead], lead_count)
            self._copy_transitions(first[StageTransition], plan)
            self._copy_touches(first[Touch], plan)
            self._copy_events(first[Event], event_count, plan)
            index_started = time.perf_counter()
            for statement in rebuild:
                cursor.execute(statement)
            if rebuild:
                self.timings.append(
                    ("indexes and keys rebuilt", len(rebuild), time.perf_counter() - index_started)
                )
            for model in TABLES:
                self._sequence_reset(model)
        analyze_started = time.perf_counter()
        tables = ", ".join(model._meta.db_table for model in (*TABLES, *DERIVED))
        with connection.cursor() as cursor:
            # Vacuuming leaves the rows as autovacuum leaves them on a live database: marked
            # visible to all (the board's capped counts are answered from the indexes alone)
            # and with their hint bits set, so the first reader of a million events does not
            # pay for writing them back. VACUUM cannot run inside a transaction, as when a
            # test calls this command; ANALYZE can.
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {tables}")
            else:
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
        self.timings.append(
            (
                "vacuum and analyze",
                len(TABLES) + len(DERIVED),
                time.perf_counter() - analyze_started,
            )
        )
        stage_counts_invalidate()
        self._summary(time.perf_counter() - started)

    # --- set-up --------------------------------------------------------------------------------

    def _owners(self) -> list[int]:
        sellers = User.objects.filter(
            is_active=True, groups__name__in=[Role.SALES, Role.SALES_MANAGER]
        ).distinct()
        ids = list(sellers.order_by("pk").values_list("pk", flat=True))
        if ids:
            return ids
        return [
            user_create(
                username=f"bench-rep-{number}",
                role=Role.SALES,
                password=secrets.token_urlsafe(24),
                first_name="Bench",
                last_name=f"Rep {number}",
                validate=False,
            ).pk
            for number in range(1, BENCH_REPS + 1)
        ]

    def _next_id(self, model) -> int:
        self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
        return self.cursor.fetchone()[0]

    def _sequence_reset(self, model) -> None:
        table = model._meta.db_table
        self.cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}",  # noqa: S608 - a model's table name
            [table],
        )

    def _drop_keys_and_indexes(self, planned: dict) -> list[str]:
        """Drop the secondary indexes and foreign keys of each table that grows a lot; return
        the statements that rebuild them."""
        cursor, rebuild = self.cursor, []
        for model, rows in planned.items():
            table = model._meta.db_table
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t", [rows])  # noqa: S608
            if rows < REBUILD_THRESHOLD or cursor.fetchone()[0] >= rows:
                continue
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
                "  AND c.contype IN ('p', 'u', 'x'))",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _definition in keys:
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
            rebuild += [definition for _name, definition in indexes]
            rebuild += [
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                for name, definition in keys
            ]
        return rebuild

    # --- COPY ----------------------------------------------------------------------------------

    def _copy(self, table: Table, lines, total: int, label: str = "") -> None:
        started = time.perf_counter()
        written = 0
        with (
            self.cursor.copy(table.copy_sql()) as copy,
            tqdm(
                total=total, desc=table.name, unit=" rows", disable=self.quiet, smoothing=0
            ) as bar,
        ):
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if len(chunk) == CHUNK_ROWS:
                    copy.write("".join(chunk))
                    written += len(chunk)
                    bar.update(len(chunk))
                    chunk = []
            copy.write("".join(chunk))
            written += len(chunk)
            bar.update(len(chunk))
        self.timings.append((label or table.name, written, time.perf_counter() - started))

    def _copy_companies(self, first_id: int, count: int) -> list[tuple[int, generate.CompanySpec]]:
        taken = frozenset(Company.objects.exclude(domain="").values_list("domain", flat=True))
        specs = list(generate.companies(self.rng, count, taken_domains=taken))
        columns = ["id", "name", "domain", "industry", "employee_count", "size_band",
                   "annual_revenue_band", "country"]  # fmt: skip
        table = Table(Company, columns, self._at(0))
        lines = (
            f"{first_id + offset}\t{_text(spec.name)}\t{spec.domain}\t{spec.industry}\t"
            f"{spec.employee_count}\t{spec.size_band}\t{spec.annual_revenue_band}\t{spec.country}"
            f"{table.tail}"
            for offset, spec in enumerate(specs)
        )
        self._copy(table, lines, len(specs))
        return [(first_id + offset, spec) for offset, spec in enumerate(specs)]

    def _at(self, minutes_ago: int) -> str:
        return self.minute_text[minutes_ago]

    def _copy_leads(self, first_id, count, companies, owners, campaigns) -> LeadPlan:
        columns = [
            "id", "email", "first_name", "last_name", "job_title", "seniority", "department",
            "phone", "company_id", "country", "original_channel", "original_utm_source",
            "original_utm_medium", "original_utm_campaign", "latest_channel", "latest_utm_source",
            "latest_utm_medium", "latest_utm_campaign", "campaign_id", "owner_id", "stage",
            "stage_changed_at", "fit_score", "engagement_score", "total_score", "temperature",
            "grade", "scored_at", "budget_confirmed", "authority_confirmed", "need_confirmed",
            "timeline_confirmed", "consent", "unsubscribed", "created_at", "updated_at",
        ]  # fmt: skip
        table = Table(Lead, columns, self._at(0))
        plan = LeadPlan(first_id)
        self._copy(table, self._lead_lines(table, plan, count, companies, owners, campaigns), count)
        return plan

    def _lead_lines(self, table, plan, count, companies, owners, campaigns):
        rng, now_text = self.rng, self._at(0)
        utm = {}
        for channel in generate.CHANNELS:
            for campaign in [None, *campaigns]:
                source, medium, name = generate.utm_for(channel, campaign.name if campaign else "")
                utm[channel, campaign.pk if campaign else 0] = f"{source}\t{medium}\t{name}"
        company_total = len(companies)
        for offset in range(count):
            lead_id = plan.first_id + offset
            company_id, spec = companies[int(company_total * rng.random() ** 1.7)]
            story = generate.lead_story(rng, size_index=spec.size_index, industry=spec.industry)
            campaign = generate.campaign_for(rng, story.channel, campaigns)
            campaign_id = campaign.pk if campaign else 0
            owner_id = owners[lead_id % len(owners)] if story.owned else 0
            plan.add(story, campaign_id, owner_id, rng.randint(*generate.EVENT_COUNTS[story.stage]))
            total = story.fit + story.engagement
            email = generate.email_for(story, spec.domain, lead_id)
            checklist = "t" if story.sql_checklist else "f"
            utm_text = utm[story.channel, campaign_id]
            yield (
                f"{lead_id}\t{email}\t{story.first_name}\t{story.last_name}\t{story.job_title}\t"
                f"{story.seniority}\t{story.department}\t+1 555 {lead_id % 900 + 100} "
                f"{lead_id % 9000 + 1000}\t{company_id}\t{spec.country}\t{story.channel}\t"
                f"{utm_text}\t{story.channel}\t{utm_text}\t{campaign_id or NULL}\t"
                f"{owner_id or NULL}\t{story.stage}\t{self._at(story.stage_changed)}\t"
                f"{story.fit}\t{story.engagement}\t{total}\t{generate.temperature_for(total)}\t"
                f"{generate.grade_for(story.fit, story.engagement)}\t{now_text}\t"
                f"{checklist}\t{checklist}\t{checklist}\t{checklist}\t"
                f"{'granted' if lead_id % 5 else 'unknown'}\t{'t' if story.unsubscribed else 'f'}\t"
                f"{self._at(story.created)}\t{now_text}{table.tail}"
            )

    def _write_search(self, first_id: int, count: int) -> None:
        started = time.perf_counter()
        leads_search_write(Lead.objects.filter(pk__gte=first_id, pk__lt=first_id + count))
        self.timings.append((LeadSearch._meta.db_table, count, time.perf_counter() - started))

    def _copy_transitions(self, first_id: int, plan: LeadPlan) -> None:
        columns = ["id", "lead_id", "from_stage", "to_stage", "at", "actor_id", "rule", "reason",
                   "rejection_reason_id", "scores"]  # fmt: skip
        table = Table(StageTransition, columns, self._at(0))
        # Read before the copy starts: the connection does nothing else while it copies.
        reasons = dict(RejectionReason.objects.values_list("code", "pk"))
        self._copy(table, self._transition_lines(table, first_id, plan, reasons), plan.steps)

    def _transition_lines(self, table, first_id, plan, reasons):
        rng, transition_id = self.rng, first_id
        for offset in range(plan.count):
            lead_id = plan.first_id + offset
            start, end = plan.path_offsets[offset], plan.path_offsets[offset + 1]
            fit, engagement = plan.fit[offset], plan.engagement[offset]
            owner = plan.owner[offset]
            previous = ""
            for step in range(end - start):
                stage = STAGE_KEYS[plan.path_stages[start + step]]
                if step == 0:
                    actor, rule, snapshot_engagement = NULL, "Form submitted", 0
                else:
                    by_rule = stage in generate.MARKETING_RULES
                    actor = NULL if by_rule or not owner else owner
                    rule = generate.MARKETING_RULES[stage] if by_rule else ""
                    share = min(1.0, 0.4 + 0.6 * step / max(1, end - start - 1))
                    snapshot_engagement = round(engagement * share)
                total = fit + snapshot_engagement
                scores = (
                    f'{{"fit": {fit}, "engagement": {snapshot_engagement}, "total": {total}, '
                    f'"temperature": "{generate.temperature_for(total)}", '
                    f'"grade": "{generate.grade_for(fit, snapshot_engagement)}"}}'
                )
                code, words = generate.transition_rejection(
                    rng, stage, step, plan.rejection[offset]
                )
                yield (
                    f"{transition_id}\t{lead_id}\t{previous}\t{stage}\t"
                    f"{self._at(plan.path_times[start + step])}\t{actor}\t{rule}\t"
                    f"{words}\t{reasons.get(code, NULL)}\t{scores}{table.tail}"
                )
                transition_id += 1
                previous = stage

    def _copy_touches(self, first_id: int, plan: LeadPlan) -> None:
        columns = ["id", "lead_id", "kind", "outcome", "at", "by_id", "note"]
        table = Table(Touch, columns, self._at(0))
        self._copy(table, self._touch_lines(table, first_id, plan), plan.sales_accepted * 3)

    def _touch_lines(self, table, first_id, plan):
        rng, touch_id = self.rng, first_id
        for offset in range(plan.count):
            accepted = plan.accepted[offset]
            owner = plan.owner[offset]
            if accepted < 0 or not owner:
                continue
            for _ in range(rng.randint(1, 5)):
                kind = rng.choices(generate.TOUCH_KINDS, generate.TOUCH_KIND_WEIGHTS)[0]
                outcome = rng.choices(generate.TOUCH_OUTCOMES, generate.TOUCH_OUTCOME_WEIGHTS)[0]
                yield (
                    f"{touch_id}\t{plan.first_id + offset}\t{kind}\t{outcome}\t"
                    f"{self._at(rng.randint(0, accepted))}\t{owner}\t{table.tail}"
                )
                touch_id += 1

    def _copy_events(self, first_id: int, count: int, plan: LeadPlan) -> None:
        """The events are made lead by lead, then stored in the order they happened, as a live
        database stores them: each lead's events lie far apart, among everyone else's. (Stored
        lead by lead, whatever reads them per lead would look faster here than it is.)"""
        columns = ["id", "lead_id", "type", "occurred_at", "properties", "channel", "campaign_id",
                   "created_at"]  # fmt: skip
        events = connection.ops.quote_name(Event._meta.db_table)
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE generated_events (LIKE {events} INCLUDING DEFAULTS)"
        )
        table = Table(Event, columns, self._at(0), name="generated_events")
        lines = self._event_lines(table, first_id, count, plan)
        self._copy(table, lines, count, label="events, by lead")
        started = time.perf_counter()
        others = ", ".join(connection.ops.quote_name(column) for column in table.columns[1:])
        self.cursor.execute("SET LOCAL work_mem = '1GB'")
        self.cursor.execute(
            f"INSERT INTO {events} (id, {others}) "  # noqa: S608 - our own column names
            f"SELECT %s - 1 + row_number() OVER (ORDER BY occurred_at, id), {others} "
            "FROM generated_events ORDER BY occurred_at, id",
            [first_id],
        )
        self.cursor.execute("DROP TABLE generated_events")
        self.timings.append((Event._meta.db_table, count, time.perf_counter() - started))

    def _event_lines(self, table, first_id, count, plan):
        """``count`` events shared among the leads in proportion to each lead's appetite (more
        for MQLs and beyond), placed between its creation and today or its side exit."""
        rng = self.rng
        random_value = rng.random
        properties = {
            event_type: [
                _text(json.dumps(generate.event_properties(rng, event_type))) for _ in range(8)
            ]
            for event_type in dict(generate.EARLY_EVENTS) | dict(generate.QUALIFIED_EVENTS)
        }
        properties["demo_request"] = [
            _text(json.dumps(generate.event_properties(rng, "demo_request")))
        ]
        early_types, early_cumulative = generate.EARLY_TABLE
        qualified_types, qualified_cumulative = generate.QUALIFIED_TABLE
        early_total, qualified_total = early_cumulative[-1], qualified_cumulative[-1]
        tail, minute_text = table.tail, self.minute_text
        appetite_total = plan.appetite_total or 1
        event_id, done, appetite_seen = first_id, 0, 0
        for offset in range(plan.count):
            appetite_seen += plan.appetite[offset]
            target = count * appetite_seen // appetite_total
            events_here, done = target - done, target
            if not events_here:
                continue
            lead_id = plan.first_id + offset
            start = plan.path_offsets[offset]
            created = plan.path_times[start]
            end = plan.exit_time[offset]
            span = created - end
            mql = plan.mql_time[offset]
            channel = plan.channel[offset]
            campaign = plan.campaign[offset] or NULL
            for number in range(events_here):
                if number == 0:
                    minutes_ago, event_type = created, "form_submit"
                elif number == 1 and mql >= 0:
                    minutes_ago, event_type = max(0, mql - 30), "demo_request"
                else:
                    minutes_ago = end + int(random_value() * span)
                    if mql >= 0 and minutes_ago <= mql:
                        event_type = qualified_types[
                            bisect(qualified_cumulative, random_value() * qualified_total)
                        ]
                    else:
                        event_type = early_types[
                            bisect(early_cumulative, random_value() * early_total)
                        ]
                choices = properties[event_type]
                when = minute_text[minutes_ago]
                yield (
                    f"{event_id}\t{lead_id}\t{event_type}\t{when}\t"
                    f"{choices[event_id % len(choices)]}\t{channel}\t{campaign}\t{when}{tail}"
                )
                event_id += 1

    # --- report --------------------------------------------------------------------------------

    def _summary(self, elapsed: float) -> None:
        for name, rows, seconds in self.timings:
            rate = f"{rows / seconds:,.0f} rows/s" if seconds and name.startswith("leads_") else ""
            self.stdout.write(f"  {name:<26} {rows:>12,} {seconds:8.1f} s  {rate}")
        total_rows = sum(rows for name, rows, _ in self.timings if name.startswith("leads_"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {total_rows:,} rows in {elapsed:.1f} s "
                f"({total_rows / elapsed:,.0f} rows/s overall)."
            )
        )


class LeadPlan:
    """What later tables need to know about each generated lead, in compact arrays."""

    def __init__(self, first_id: int) -> None:
        self.first_id = first_id
        self.count = 0
        self.steps = 0
        self.sales_accepted = 0
        self.appetite_total = 0
        self.path_offsets = array("q", [0])
        self.path_stages = bytearray()
        self.path_times = array("i")
        self.fit = bytearray()
        self.engagement = bytearray()
        self.owner = array("q")
        self.campaign = array("q")
        self.channel: list[str] = []
        self.appetite = array("i")
        self.mql_time = array("i")
        self.accepted = array("i")
        self.exit_time = array("i")
        self.rejection: list[str] = []

    def add(
        self, story: generate.LeadStory, campaign_id: int, owner_id: int, appetite: int
    ) -> None:
        self.count += 1
        self.steps += len(story.path)
        self.path_stages.extend(generate.STAGE_INDEX[stage] for stage in story.path)
        self.path_times.extend(story.times)
        self.path_offsets.append(len(self.path_stages))
        self.fit.append(story.fit)
        self.engagement.append(story.engagement)
        self.owner.append(owner_id)
        self.campaign.append(campaign_id)
        self.channel.append(story.channel)
        self.appetite.append(appetite)
        self.appetite_total += appetite
        mql, accepted = story.reached_mql, story.reached_sal
        self.mql_time.append(-1 if mql is None else mql)
        self.accepted.append(-1 if accepted is None or not owner_id else accepted)
        self.sales_accepted += accepted is not None and bool(owner_id)
        side_exit = generate.STAGE_INDEX[story.stage] in SIDE_EXIT_INDEXES
        self.exit_time.append(story.stage_changed if side_exit else 0)
        self.rejection.append(story.rejection)


def _minute_texts(now) -> list[str]:
    """COPY text of every whole minute of the history window, indexed by minutes before now."""
    utc = now.astimezone(UTC)
    minute = timedelta(minutes=1)
    return [
        (utc - minute * ago).strftime("%Y-%m-%d %H:%M:00+00")
        for ago in range(generate.HISTORY_MINUTES + 1)
    ]
