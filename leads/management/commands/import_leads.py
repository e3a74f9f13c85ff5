"""``manage.py import_leads contacts.csv [--mode all_or_nothing] [--stages criteria] [--user maya]``:
the import of the portal (a CSV file or an Excel workbook, columns and values as recognised),
run here and now, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leads.imports.models import ImportJob
from leads.imports.selectors import import_problem_groups
from leads.imports.services import import_csv

ERRORS_PRINTED = 50


class Command(BaseCommand):
    help = "Import leads from a CSV file or an Excel workbook (the same path as the import page)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file or .xlsx workbook")
        parser.add_argument(
            "--mode",
            choices=ImportJob.Mode.values,
            default=ImportJob.Mode.VALID_ROWS,
            help="valid_rows: import the valid rows and skip bad ones (default); "
            "all_or_nothing: import nothing if any row is bad",
        )
        parser.add_argument(
            "--stages",
            choices=ImportJob.Stages.values,
            default=ImportJob.Stages.KEEP,
            help="keep: new leads enter at the file's stages, existing ones move forward to them "
            "(default); criteria: the stages in the file are ignored and the MQL criteria decide",
        )
        parser.add_argument(
            "--day-first",
            action="store_true",
            default=None,
            help="read dates such as 03/05/2024 day first (by default, as the file's dates show)",
        )
        parser.add_argument("--user", help="Username recorded as the importer")

    def handle(
        self,
        *args,
        path: Path,
        mode: str,
        stages: str,
        day_first: bool | None,
        user: str | None,
        **options,
    ) -> None:
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
                data,
                actor=actor,
                mode=mode,
                filename=path.name,
                keep_stages=stages == ImportJob.Stages.KEEP,
                day_first=day_first,
                on_progress=on_progress,
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
            self.stderr.write(f"… and more: {job.error_count:,} rows have problems in all:")
            for group in import_problem_groups(job):
                self.stderr.write(f"  {group.rows:,} × {group.column}: {group.message}")
        if job.state != ImportJob.State.DONE:
            raise CommandError(job.message)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {job.filename}: {job.created_count:,} leads created, "
                f"{job.updated_count:,} updated, {job.merged_count:,} merged duplicates, "
                f"{job.skipped_count:,} bad rows skipped (job {job.pk})."
            )
        )
