"""The benchmark: generate leads at each scale in a separate database and time the pages and
the CSV import in-process, as a logged-in sales manager; then, on the largest, the scoring
engine (full rescore, backtest, incremental scoring through a real worker on Redis).

    make bench                        # 10k leads (100k events), then 1M leads (10M events)
    make bench BENCH_SCALES=10000     # a quick run

Prints one ``name: value unit`` line per figure and writes them to bench/results/latest.json.
Server time is measured in-process with Django's test Client (no network, no gunicorn), after
warm-up requests, with DEBUG off.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

BENCH_DATABASE = "smarketing_bench"
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
EVENTS_PER_LEAD = 10
PAGES = ("board", "list", "list_filtered", "list_deep", "lead", "company")


def _configure() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DATABASE}"
    os.environ.setdefault("DEBUG", "true")  # settings for a local run; DEBUG is off while timing
    os.environ.setdefault("CONN_MAX_AGE", "0")
    # Incremental scoring is measured through a real worker on Redis (a database of its own).
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    os.environ["DJANGO_SETTINGS_MODULE"] = "smarketing.settings"
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES", "10000,1000000"),
        help="Comma-separated lead counts (events: 10 per lead).",
    )
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 50)))
    parser.add_argument(
        "--import-rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
    )
    options = parser.parse_args(argv)
    scales = [int(scale.replace("_", "")) for scale in options.scales.split(",") if scale.strip()]
    _configure()
    from bench import pages
    from leads.models import Lead

    figures = pages.Figures()
    pages.prepare()
    for leads in scales:
        pages.generate(leads, leads * EVENTS_PER_LEAD, figures)
        pages.measure_pages(leads, options.requests, figures)
    pages.measure_import(options.import_rows, figures)
    pages.ratios(scales, figures)
    from bench import scoring

    largest = Lead.objects.count()
    scoring.measure_rescore(largest, figures)
    scoring.measure_compaction(figures)
    pages.measure_pages(largest, options.requests, figures, label="after_rescore")
    scoring.measure_backtest(figures)
    scoring.measure_incremental(figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures.as_dict(), indent=2) + "\n")
    print(f"written: {RESULTS}", file=sys.stderr)
    print(f"elapsed: {time.perf_counter() - figures.started:.0f} s", file=sys.stderr)
