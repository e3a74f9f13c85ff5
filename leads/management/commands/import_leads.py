"""``manage.py import_leads leads.csv [--mode all_or_nothing] [--user maya]``: the CSV import of
the portal, run here and now, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leads.imports.models import ImportJob
from leads.imports.services import import_csv

ERRORS_PRINTED = 50


class Command(BaseCommand):
    help = "Import leads from a CSV file (the same path as the import page)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file")
        parser.add_argument(
            "--mode",
            choices=ImportJob.Mode.values,
            default=ImportJob.Mode.VALID_ROWS,
            help="valid_rows: import the valid rows and skip bad ones (default); "
            "all_or_nothing: import nothing if any row is bad",
        )
        parser.add_argument("--user", help="Username recorded as the importer")

    def handle(self, *args, path: Path, mode: str, user: str | None, **options) -> None:
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"There is no user “{user}”.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}.") from error

        bars: dict[str, tqdm] = {}

        def on_progress(phase: str, rows: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                label = "Checking" if phase == "validating" else "Importing"
                bar = bars[phase] = tqdm(
                    total=total, desc=label, unit="rows", file=self.stderr._out
                )
            bar.update(rows - bar.n)

        try:
            job = import_csv(
                data, actor=actor, mode=mode, filename=path.name, on_progress=on_progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        finally:
            for bar in bars.values():
                bar.close()
        self._report(job)

    def _report(self, job: ImportJob) -> None:
        problems = list(job.row_errors.all()[:ERRORS_PRINTED])
        for problem in problems:
            self.stderr.write(
                f"Row {problem.row}, {problem.column}: {problem.message} ({problem.value!r})"
            )
        if job.error_count > len(problems):
            self.stderr.write(f"… and more: {job.error_count:,} rows have problems in all.")
        if job.state != ImportJob.State.DONE:
            raise CommandError(job.message)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {job.filename}: {job.created_count:,} leads created, "
                f"{job.updated_count:,} updated, {job.skipped_count:,} bad rows skipped "
                f"(job {job.pk})."
            )
        )
