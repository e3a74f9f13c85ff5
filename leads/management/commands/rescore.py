"""``manage.py rescore [--now] [--user alice]``: every lead scored again with the active model, as
the lab's "Rescore every lead now" and ``POST /api/scoring/runs/`` do, with the run's progress
shown until it is done.

The run's chunks are written by the workers on the ``scoring`` queue, and this command follows
them. With ``--now``, or when tasks run in-process (no broker is configured), this process
writes the chunks itself, beside any worker. When a rescore of every lead is under way already,
the command follows that one (and with ``--now`` helps write it) rather than start another."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from tqdm import tqdm

from leads.scoring.models import RunStatus, ScoringRun
from leads.scoring.runs import RescoreRefused, scoring_rescore_start, scoring_run_execute

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Rescore every lead with the active scoring model, showing the run's progress."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Write the chunks in this process instead of leaving them to the workers "
            "(always so when no broker is configured)",
        )
        parser.add_argument("--user", help="Username recorded as having asked for the rescore")

    def handle(self, *args, now: bool, user: str | None, **options) -> None:
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"There is no user “{user}”.")
        here = now or settings.CELERY_TASK_ALWAYS_EAGER
        try:
            run = scoring_rescore_start(actor=actor, enqueue=not here)
        except RescoreRefused as refusal:
            if refusal.run is None:
                raise CommandError(str(refusal)) from refusal
            run = refusal.run
            self.stdout.write(f"Run {run.pk} is already rescoring every lead: following it.")
        else:
            self.stdout.write(
                f"Run {run.pk}: every lead ({run.leads_total:,}) scored with "
                f"{run.model.version_name} as of {run.as_of:%Y-%m-%d %H:%M:%S %Z}."
            )
        writer = _Writer(run.pk) if here else None
        try:
            run = self._follow(run, writer)
        except KeyboardInterrupt:
            self.stdout.write(
                f"\nStopped following run {run.pk}; "
                + (
                    "its chunks not written are resumed when it is delivered again."
                    if writer
                    else "the workers go on with it."
                )
            )
            return
        if writer is not None and writer.error is not None:
            raise CommandError(f"The rescore failed: {writer.error}") from writer.error
        if run.status in (RunStatus.FAILED, RunStatus.CANCELLED):
            raise CommandError(f"The rescore stopped: {run.error}")
        qualified = f", {run.leads_qualified:,} became MQL" if run.leads_qualified else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Rescore done: {run.leads_done:,} leads scored, {run.leads_written:,} "
                f"changed{qualified}."
            )
        )

    def _follow(self, run: ScoringRun, writer: _Writer | None) -> ScoringRun:
        """Redraw the bar from the run's row until it is finished (and this process's writer,
        if any, has returned)."""
        bar = tqdm(total=run.leads_total, unit="leads", file=self.stderr._out)
        if writer is None and run.status == RunStatus.QUEUED:
            bar.set_description("Waiting for a worker on the scoring queue")
        try:
            while True:
                run.refresh_from_db()
                if run.status != RunStatus.QUEUED:
                    bar.set_description("Rescoring")
                bar.update(run.leads_done - bar.n)
                writing = writer is not None and writer.is_alive()
                if run.is_finished and not writing:
                    return run
                if writer is not None and not writing and writer.error is not None:
                    return run
                time.sleep(POLL_SECONDS)
        finally:
            bar.close()


class _Writer(threading.Thread):
    """Writes a run's chunks in this process (on its own database connection)."""

    def __init__(self, run_id: int) -> None:
        super().__init__(daemon=True)
        self.run_id = run_id
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            scoring_run_execute(run_id=self.run_id)
        except Exception as error:  # reported by the command, which fails with it
            self.error = error
        finally:
            connections.close_all()
