"""What the benchmark measures: data generation, page server time and the CSV import."""

from __future__ import annotations

import csv
import io
import random
import secrets
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from smarketing.keyset import cursor_for
from smarketing.roles import Role

WARM_UP = 5
DEEP_ROW = 100_000
PAGE_SIZE = 50
# Candidate filters for "a filtered list page": the first that matches 5–15 % of leads is used.
FILTERS = (
    {"temperature": "hot", "source": "paid_search"},
    {"temperature": "warm", "source": "paid_search"},
    {"temperature": "hot"},
    {"source": "paid_search"},
)
# The reports and the meeting screen, as a team opens them: the last 30 days, every lead.
REPORT_PAGES = {
    "report_funnel": ("reports:index", ""),
    "report_quality": ("reports:report", "quality/?by=campaign"),
    "report_attribution": ("reports:report", "attribution/?model=u_shaped&by=campaign"),
    "report_trends": ("reports:report", "trends/"),
    "report_grades": ("reports:report", "grades/"),
    "report_goals": ("reports:report", "goals/"),
    # The meeting screen of the latest meeting of each theme, this week's or before.
    **{
        f"meeting_{theme}": ("reports:meeting_week", theme)
        for theme in ("personas", "promotions", "customers", "strategy")
    },
}
PAGES = ("board", "list", "list_filtered", "list_deep", "lead", "company", *REPORT_PAGES)
GOALS_MS = {"board": 150, "list": 150, "list_filtered": 150, "list_deep": 150, "lead": 100,
            **dict.fromkeys(REPORT_PAGES, 300)}  # fmt: skip
IMPORT_GOAL = 5_000


@dataclass
class Figures:
    started: float = field(default_factory=time.perf_counter)
    values: dict[str, tuple[float | str, str]] = field(default_factory=dict)

    def add(self, name: str, value: float | str, unit: str = "") -> None:
        self.values[name] = (value, unit)
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value}"
        print(f"{name}: {shown} {unit}".rstrip(), flush=True)

    def get(self, name: str):
        return self.values.get(name, (None, ""))[0]

    def as_dict(self) -> dict:
        return {name: {"value": value, "unit": unit} for name, (value, unit) in self.values.items()}


def prepare() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def manager() -> User:
    from smarketing.accounts import user_create

    user = User.objects.filter(username="bench-manager").first()
    return user or user_create(
        username="bench-manager", role=Role.SALES_MANAGER, password=secrets.token_urlsafe(24),
        first_name="Bench", last_name="Manager", validate=False,
    )  # fmt: skip


def generate(leads: int, events: int, figures: Figures) -> None:
    manager()
    started = time.perf_counter()
    call_command("generate_data", leads=leads, events=events, reset=True, verbosity=0)
    seconds = time.perf_counter() - started
    figures.add(f"generate_{leads}_seconds", seconds, "s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_stagetransition")
        transitions = cursor.fetchone()[0]
    rows = leads + events + transitions
    figures.add(f"generate_{leads}_rows_per_s", rows / seconds, "rows/s")


def _filter_params(leads: int) -> dict:
    from leads.models import Lead

    best, best_distance = FILTERS[0], 1.0
    for params in FILTERS:
        query = {
            "original_channel" if key == "source" else key: value for key, value in params.items()
        }
        share = Lead.objects.filter(**query).count() / max(1, leads)
        if 0.05 <= share <= 0.15:
            return params
        if abs(share - 0.10) < best_distance:
            best, best_distance = params, abs(share - 0.10)
    return best


def _deep_cursor(leads: int) -> str | None:
    row = min(DEEP_ROW, leads - PAGE_SIZE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT total_score, id FROM leads_lead ORDER BY total_score DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [row - 1],
        )
        found = cursor.fetchone()
    return cursor_for(list(found)) if found else None


def _urls(leads: int, requests: int) -> tuple[dict[str, list[str]], str]:
    rng = random.Random(7)  # noqa: S311 - which rows to visit, not a secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM leads_lead")
        low_lead, high_lead = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM leads_company")
        low_company, high_company = cursor.fetchone()
    params = _filter_params(leads)
    query = "&".join(f"{key}={value}" for key, value in params.items())
    cursor = _deep_cursor(leads)
    total = requests + WARM_UP
    return {
        "board": [reverse("leads:board")] * total,
        "list": [reverse("leads:list")] * total,
        "list_filtered": [f"{reverse('leads:list')}?{query}"] * total,
        "list_deep": [f"{reverse('leads:list')}?cursor={cursor}"] * total,
        "lead": [
            reverse("leads:detail", args=[rng.randint(low_lead, high_lead)]) for _ in range(total)
        ],
        "company": [
            reverse("leads:company", args=[rng.randint(low_company, high_company)])
            for _ in range(total)
        ],
        **{name: [_report_url(*page)] * total for name, page in REPORT_PAGES.items()},
    }, query


def _meeting_of(theme: str) -> str:
    """The Monday of the latest meeting, this week's or before, whose theme is ``theme``."""
    from reports.models import Meeting
    from reports.services import week_start

    monday = week_start(timezone.localdate())
    while Meeting(week_of=monday).theme != theme:
        monday -= timedelta(weeks=1)
    return monday.isoformat()


def _report_url(name: str, tail: str) -> str:
    if name == "reports:meeting_week":
        return reverse(name, args=[_meeting_of(tail)])
    if name == "reports:report":
        report, _, query = tail.partition("/")
        return reverse(name, args=[report]) + query
    return reverse(name) + tail


def _live_moves() -> int:
    """The stage transitions the reports read live: those since the current day's rows end."""
    from leads.models import StageTransition
    from reports.models import FrozenDay

    today = timezone.localdate()
    through = FrozenDay.objects.filter(day=today).values_list("through", flat=True).first()
    since = through or timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return StageTransition.objects.filter(at__gte=since).count()


def freeze_so_far(label: str, figures: Figures) -> None:
    """Freeze the current day so far, as the beat does every ten minutes (up to five minutes
    ago, in parts of ten), and count the moves the reports then still read live."""
    from reports.days import days_freeze_due

    started = time.perf_counter()
    days_freeze_due()
    figures.add(f"days_freeze_{label}_seconds", time.perf_counter() - started, "s")
    figures.add(f"reports_live_moves_{label}", _live_moves(), "moves")


def freeze_weeks(leads: int, figures: Figures) -> None:
    """Freeze the closed days and the current one so far, the closed weeks and the meetings'
    themes, as the beat does, so the reports and the meeting read them from their rows and
    snapshots."""
    from reports.days import days_freeze_due
    from reports.models import (
        CohortDecision,
        CohortEntry,
        CreatedDay,
        CreditDay,
        FrozenDay,
        StageDay,
        StepDay,
        ThemeSnapshot,
        WeekSnapshot,
    )  # fmt: skip
    from reports.snapshots import snapshots_freeze_due
    from reports.themes import themes_freeze_due

    # The history is new.
    for model in (StageDay, StepDay, CreditDay, CohortDecision, CohortEntry, CreatedDay,
                  FrozenDay, WeekSnapshot, ThemeSnapshot):  # fmt: skip
        model.objects.all().delete()
    started = time.perf_counter()
    frozen = days_freeze_due()
    figures.add(f"snapshots_{leads}_days", str(frozen), "days")
    figures.add(f"snapshots_{leads}_days_seconds", time.perf_counter() - started, "s")
    figures.add(f"reports_live_moves_{leads}", _live_moves(), "moves")
    started = time.perf_counter()
    frozen = snapshots_freeze_due()
    figures.add(f"snapshots_{leads}_weeks", str(frozen), "weeks")
    figures.add(f"snapshots_{leads}_seconds", time.perf_counter() - started, "s")
    started = time.perf_counter()
    frozen = themes_freeze_due()
    figures.add(f"snapshots_{leads}_themes", str(frozen), "meetings")
    figures.add(f"snapshots_{leads}_themes_seconds", time.perf_counter() - started, "s")


def _beat_runs() -> None:
    """What the beat does every few minutes: the current day frozen again up to its last part
    (its rows written anew, with a new state: what was kept of them is read again), and the
    grade grid of every lead counted."""
    from reports.days import day_freeze_so_far, days_refreeze
    from reports.selectors import grade_counts_refresh

    today = timezone.localdate()
    days_refreeze(today, today)
    day_freeze_so_far()
    grade_counts_refresh()


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_pages(leads: int, requests: int, figures: Figures, label: str = "") -> None:
    """Each page's timings as ``<page>_<leads>[_<label>]_p50`` and ``…_p95``."""
    client = Client()
    client.force_login(manager())
    urls, query = _urls(leads, requests)
    figures.add(f"list_filter_{leads}", query, "")
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for name, page_urls in urls.items():
            timings, queries, statuses = [], [], set()
            for number, url in enumerate(page_urls):
                if number == 0 and name in REPORT_PAGES:
                    # A report's first request with nothing kept (the shared cache emptied):
                    # timed on its own, then the rest as the next ones find them.
                    cache.clear()
                elif number == 1 and name in REPORT_PAGES:
                    # Then the beat's next runs: the current day frozen anew, the grades
                    # counted; the request after them is timed on its own too.
                    _beat_runs()
                # The log keeps the last 9,000 queries: a full one would count none.
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                statuses.add(response.status_code)
                if number == 0 and name in REPORT_PAGES:
                    cold = elapsed
                elif number == 1 and name in REPORT_PAGES:
                    first = elapsed
                if number >= WARM_UP:
                    timings.append(elapsed)
                    queries.append(len(captured))
            prefix = f"{name}_{leads}_{label}" if label else f"{name}_{leads}"
            figures.add(f"{prefix}_p50", statistics.median(timings), "ms")
            figures.add(f"{prefix}_p95", _percentile(timings, 0.95), "ms")
            if name in REPORT_PAGES:
                figures.add(f"{prefix}_cold", cold, "ms (the first with nothing kept)")
                figures.add(f"{prefix}_first", first, "ms (the first after a freeze of the day)")
            figures.add(f"{prefix}_queries", max(queries), "queries")
            figures.add(f"{prefix}_status", ",".join(str(code) for code in sorted(statuses)), "")


def _csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Email", "First name", "Last name", "Job title", "Company", "Website", "Country"]
    )
    for number in range(rows):
        writer.writerow([
            f"import.person{number}@importco{number % 5000}.com", "Alex", f"Importer{number}",
            "Marketing Manager", f"Importco {number % 5000}", f"importco{number % 5000}.com", "DE",
        ])  # fmt: skip
    return out.getvalue().encode()


def measure_import(rows: int, figures: Figures) -> None:
    try:
        from leads.imports.services import import_csv
    except ImportError:
        figures.add("import_rows_per_s", "unavailable", "")
        return
    data = _csv(rows)
    started = time.perf_counter()
    job = import_csv(data, actor=manager(), mode="valid_rows", filename="bench.csv")
    seconds = time.perf_counter() - started
    figures.add("import_rows", rows, "rows")
    figures.add("import_created", getattr(job, "created_count", 0), "leads")
    figures.add("import_errors", getattr(job, "error_count", 0), "rows")
    figures.add("import_seconds", seconds, "s")
    figures.add("import_rows_per_s", rows / seconds, "rows/s")
    figures.add("goal_import_rows_per_s", "met" if rows / seconds >= IMPORT_GOAL else "MISSED", "")
    measure_import_preview(data, figures)


def measure_import_preview(data: bytes, figures: Figures) -> None:
    """The preview's check of every row of the same file (what the import page waits for)."""
    from leads.imports.parsing import ImportOptions
    from leads.imports.preview import import_survey
    from leads.imports.selectors import import_owners
    from leads.imports.services import import_job_create

    job = import_job_create(data=data, filename="bench-preview.csv", actor=manager())
    started = time.perf_counter()
    survey = import_survey(job, ImportOptions.of(job), import_owners())
    figures.add("import_preview_seconds", time.perf_counter() - started, "s")
    figures.add("import_preview_rows", survey.rows, "rows")
    job.delete()


def ratios(scales: list[int], figures: Figures) -> None:
    largest = max(scales)
    for page in PAGES:
        if len(scales) > 1:
            small = figures.get(f"{page}_{min(scales)}_p95")
            large = figures.get(f"{page}_{largest}_p95")
            if small and large:
                ratio = large / small
                figures.add(f"{page}_p95_ratio_{largest}_vs_{min(scales)}", ratio, "x")
                figures.add(f"goal_{page}_ratio", "met" if ratio <= 3 else "MISSED", "")
        goal = GOALS_MS.get(page)
        p95 = figures.get(f"{page}_{largest}_p95")
        if goal and p95 is not None:
            figures.add(
                f"goal_{page}_p95_{largest}", "met" if p95 < goal else "MISSED", f"(< {goal} ms)"
            )
