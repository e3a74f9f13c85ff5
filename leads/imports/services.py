"""Writes of lead imports: accepting an upload, starting, running and resuming the job.

An import runs in two passes over the stored file. The first checks every row and records the
problems; in "all or nothing" mode any problem ends the job there. The second applies the valid
rows in chunks. In "valid rows" mode each chunk commits together with the job's row counter, so
a crash leaves whole chunks only and a re-run resumes after the counter. In "all or nothing"
mode the chunks share one transaction, so a crash leaves nothing. A worker that dies stops the
job's heartbeat, and beat resumes it the same way (``import_jobs_resume_stalled``). Both passes read the file
through the job's options (``parsing.ImportOptions``): its column mapping, its value mapping,
what happens to the file's stages, and how slashed dates are read.

What an import writes, for the screens to explain:

- Leads are matched by e-mail, ignoring case. An existing lead gets the file's non-empty
  cells: an empty cell never erases a value. Seniority and department read from the job title
  only fill empty ones; the file's own seniority and department columns overwrite. An existing
  lead keeps its create date and, with an owner column, gets the owner the file names (an
  owner the portal does not know leaves the lead as it is).
- Stages, when the import keeps them (a migration from another CRM): a new lead enters at the
  file's stage (Lead when the cell is empty or HubSpot's "Other") with a transition "Imported",
  dated at the file's create date when there is one. An existing lead moves to the file's stage
  only when that stage is further down the funnel than its own, with a transition "Imported"
  made now: an import never moves a lead back, nor out of or into recycled or disqualified,
  which are decisions with reasons that belong to a person.
- Stages, when the criteria decide: the stage column is not read. New leads enter as Lead and
  existing leads keep their stage; the scoring that follows every import qualifies the leads
  that meet the MQL criteria, like any other lead.
- Two rows of the file with the same e-mail (in any case) are one lead: the later row's
  non-empty cells update what the earlier one wrote. The later rows count as merged duplicates.
- Companies are matched by domain: the domain column, or else the domain of a work e-mail
  address when the row names a company or gives its industry, size or revenue. A company
  without a domain is matched by its name. A matched company keeps its
  values; the file fills the ones it lacks (industry, employees and size band, revenue band).

Writing a chunk is ``leads.imports.apply``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from leads.imports.apply import ChunkCounts, chunk_apply
from leads.imports.files import FileFormat, Table, file_format, read_table
from leads.imports.models import ImportJob, ImportRowError
from leads.imports.parsing import (
    FIELD_LABELS,
    ImportOptions,
    RowChecker,
    choice_fields,
    guess_mapping,
)
from leads.imports.selectors import import_owners, progress_key
from leads.imports.values import dates_day_first
from smarketing.heartbeat import stalled_claim, stalled_exists
from smarketing.queueing import task_send_on_commit

CHUNK_SIZE = 5_000
PROGRESS_EVERY = 2_000
RUNNING = (ImportJob.State.VALIDATING, ImportJob.State.READY, ImportJob.State.IMPORTING)
# A column with more distinct values than this is not a choice column: its values are not
# listed for mapping (the recognised ones are read, the others are problems).
DISTINCT_VALUES_KEPT = 300

_STATE_FIELDS = ("state", "message", "finished_at", "updated_at")
_COUNT_FIELDS = ("rows_done", "created_count", "updated_count", "merged_count", "skipped_count")

ProgressCallback = Callable[[str, int, int], None]


def import_limits() -> tuple[int, int]:
    """The largest file (bytes) and the most data rows an import accepts."""
    return (
        settings.LEADS_IMPORT_MAX_BYTES,
        settings.LEADS_IMPORT_MAX_ROWS,
    )


# --- upload --------------------------------------------------------------------------------------


def import_size_check(size: int) -> None:
    """Refuse a file over the size limit (the upload page checks before reading it)."""
    max_bytes, _ = import_limits()
    if size > max_bytes:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; an import takes at most "
            f"{filesizeformat(max_bytes)}. Split it into smaller files."
        )


def job_file_format(job: ImportJob) -> FileFormat:
    return FileFormat(
        kind=job.file_format, encoding=job.encoding, delimiter=job.delimiter, sheet=job.sheet
    )


def job_table(job: ImportJob) -> Table:
    """The job's stored file as a table (read again for each pass: it is not kept in memory)."""
    return read_table(bytes(job.data), job_file_format(job))


def import_job_create(*, data: bytes, filename: str, actor) -> ImportJob:
    """Store an uploaded CSV file or Excel workbook as a pending job with its columns
    recognised, each column's values counted (for the value mapping) and the order of its
    dates guessed.

    Raises ValidationError, with a message for the upload page, for an empty, binary,
    unreadable or too large file, or one without an e-mail column.
    """
    import_size_check(len(data))
    _, max_rows = import_limits()
    form = file_format(data)
    table = read_table(data, form)
    mapping = guess_mapping(table.headers)
    if "email" not in mapping:
        found = ", ".join(f"“{header}”" for header in table.headers[:8] if header)
        raise ValidationError(
            "No e-mail column was found. The first row must name the columns, one of them "
            f"“Email”; this file's first row has {found}."
        )
    width = len(table.headers)
    counters: list[Counter | None] = [Counter() for _ in range(width)]
    dates = mapping.index("created_at") if "created_at" in mapping else None
    day_first = False
    total = 0
    for chunk in _chunks(table.rows):
        total += len(chunk)
        if total > max_rows:
            raise ValidationError(
                f"The file has more than {max_rows:,} rows; an import takes at most "
                f"{max_rows:,}. Split it into smaller files."
            )
        # Counted a column at a time (a transposed chunk), which keeps the loop out of Python.
        padded = (cells[:width] + [""] * (width - len(cells)) for _, cells in chunk)
        columns = list(zip(*padded, strict=True))
        for index, counter in enumerate(counters):
            if counter is not None:
                counter.update(columns[index])
                if len(counter) > DISTINCT_VALUES_KEPT:
                    counters[index] = None
        if dates is not None and not day_first:
            day_first = dates_day_first(columns[dates])
    if total == 0:
        raise ValidationError("The file has column names but no rows to import.")
    return ImportJob.objects.create(
        created_by=actor,
        filename=filename[:255],
        data=data,
        size=len(data),
        file_format=form.kind,
        encoding=form.encoding,
        delimiter=form.delimiter,
        sheet=form.sheet,
        headers=table.headers,
        column_values=[
            None
            if counter is None
            else [[value, count] for value, count in counter.items() if value]
            for counter in counters
        ],
        mapping=mapping,
        day_first=day_first,
        total_rows=total,
    )


def mapping_problems(mapping: list[str]) -> list[str]:
    """What is wrong with a column mapping, in words for the mapping form."""
    problems = []
    if "email" not in mapping:
        problems.append("Choose the column that holds the e-mail addresses.")
    for name in FIELD_LABELS:
        if mapping.count(name) > 1:
            problems.append(f"Only one column can be “{FIELD_LABELS[name]}”.")
    return problems


def import_options_problems(job: ImportJob, options: ImportOptions) -> list[str]:
    """What is wrong with an import's options (the form checks the same), in words."""
    problems = mapping_problems(options.mapping)
    if len(options.mapping) != len(job.headers) or set(options.mapping) - {"", *FIELD_LABELS}:
        problems.append("The column mapping does not match the file.")
    if set(options.values) - set(choice_fields(import_owners())):
        problems.append("The value mapping names a column that is not a choice column.")
    return problems


# --- start, resume, run ------------------------------------------------------------------------


def _job_begin(*, job: ImportJob, options: ImportOptions, mode: str) -> None:
    problems = import_options_problems(job, options)
    if mode not in ImportJob.Mode.values:
        problems.append("Choose what to do with bad rows.")
    if problems:
        raise ValidationError(problems)
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PENDING).update(
        mapping=options.mapping,
        value_mapping=options.values,
        stages=ImportJob.Stages.KEEP if options.keep_stages else ImportJob.Stages.CRITERIA,
        day_first=options.day_first,
        mode=mode,
        state=ImportJob.State.VALIDATING,
        updated_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not claimed:
        raise ValidationError("This import has already started.")
    job.refresh_from_db()


def _enqueue(job_id: int) -> None:
    from leads.imports.tasks import import_job_run_task

    # Not sent while the broker is down: the beat resumes the job once its heartbeat is stale.
    task_send_on_commit(import_job_run_task, job_id)


@transaction.atomic
def import_job_start(*, job: ImportJob, options: ImportOptions, mode: str) -> ImportJob:
    """Fix the job's options and mode, and run it in the background (in the request itself
    when tasks run in-process, as in the embedded demo)."""
    _job_begin(job=job, options=options, mode=mode)
    _enqueue(job.pk)
    return job


@transaction.atomic
def import_job_resume(*, job: ImportJob) -> ImportJob:
    """Run again a job that stopped on an error or whose worker stopped: after its committed
    rows (valid rows mode) or from the start (all or nothing, which left nothing behind)."""
    if job.can_resume:
        state = ImportJob.State.IMPORTING if job.validated_at else ImportJob.State.VALIDATING
        claimed = ImportJob.objects.filter(pk=job.pk, state=job.state).update(
            state=state, message="", finished_at=None, updated_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )  # fmt: skip
        if not claimed:
            raise ValidationError("This import has been resumed already.")
        _enqueue(job.pk)
    elif not _stalled_resume(job.pk):
        raise ValidationError(_not_stalled(job))
    job.refresh_from_db()
    return job


def _running(job_id: int | None = None):
    jobs = ImportJob.objects.filter(state__in=RUNNING)
    return jobs if job_id is None else jobs.filter(pk=job_id)


def _stalled_resume(job_id: int | None = None) -> list[int]:
    """Claim the running jobs whose worker stopped (or this one) and enqueue each again."""
    claimed = stalled_claim(_running(job_id), resumes=F("resumes") + 1)
    for claimed_id in claimed:
        _enqueue(claimed_id)
    return claimed


def import_jobs_resume_stalled() -> list[int]:
    """Resume every running job whose heartbeat stopped (its worker died) after its committed
    rows; return their ids. Each is claimed once, however many beats or workers ask at once;
    the original task, delivered again by the broker later, finds the job done (or takes no
    chunk another worker has taken)."""
    return _stalled_resume()


def import_job_stalled(job: ImportJob) -> bool:
    """Whether the job is running and its worker stopped (the page offers to resume it)."""
    return job.is_running and stalled_exists(_running(job.pk))


@transaction.atomic
def import_job_cancel(*, job: ImportJob, actor) -> ImportJob:
    """Cancel a job whose worker stopped: the rows it committed stay imported (valid rows
    mode), an all-or-nothing job has imported nothing."""
    if not stalled_claim(_running(job.pk), state=ImportJob.State.CANCELLED):
        raise ValidationError(_not_stalled(job))
    job.refresh_from_db()
    name = actor.get_full_name() or actor.username
    kept = (
        "nothing was imported"
        if job.mode == ImportJob.Mode.ALL_OR_NOTHING
        else f"the first {job.rows_done:,} rows are imported, the other "
        f"{job.total_rows - job.rows_done:,} are not"
    )
    job.message = f"Cancelled by {name} after its worker stopped: {kept}."
    job.finished_at = timezone.now()
    job.save(update_fields=_STATE_FIELDS)
    return job


def _not_stalled(job: ImportJob) -> str:
    job.refresh_from_db()
    if job.is_running:
        return "This import is still running: its worker committed rows a moment ago."
    return "Only an import that stopped on an error, or whose worker stopped, can be resumed."


def import_csv(
    data: bytes,
    *,
    actor,
    mode: str = ImportJob.Mode.VALID_ROWS,
    filename: str = "import.csv",
    keep_stages: bool = True,
    day_first: bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportJob:
    """The whole import of a CSV file or workbook, synchronously, through the same path as the
    background job, with the columns and values as recognised: for the command line and
    benchmarks. Raises ValidationError for a file that is refused outright."""
    job = import_job_create(data=data, filename=filename, actor=actor)
    options = ImportOptions(
        mapping=job.mapping,
        keep_stages=keep_stages,
        day_first=job.day_first if day_first is None else day_first,
    )
    _job_begin(job=job, options=options, mode=mode)
    return import_job_run(job_id=job.pk, on_progress=on_progress)


def import_job_run(
    *, job_id: int, resume: bool = False, on_progress: ProgressCallback | None = None
) -> ImportJob | None:
    """Check and apply a started job. Harmless to call twice: a finished job is left alone,
    and chunks are claimed against the job's row counter. ``resume`` also runs a job that
    stopped on an error (the task's retries of a lost connection use it)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    runnable = job.state in RUNNING or (resume and job.can_resume)
    if not runnable:
        return job
    progress = _Progress(job, on_progress)
    checker = RowChecker(job.headers, ImportOptions.of(job), import_owners())
    try:
        if job.validated_at is None:
            job = _validate(job, checker, progress)
            if job.state == ImportJob.State.FAILED:
                return job
        _apply(job, checker, progress)
    except Exception as error:
        _record_failure(job_id, error)
        raise
    finally:
        progress.clear()
    return ImportJob.objects.defer("data").get(pk=job_id)


class _Progress:
    """Live progress for the job page and the command line's progress bar. The first pass
    writes its count on the job's row (it runs outside a transaction, so every process sees
    it); an all-or-nothing import's count goes through the cache, as rows written inside its
    one transaction are invisible to the page until it commits."""

    def __init__(self, job: ImportJob, callback: ProgressCallback | None) -> None:
        self.job_id = job.pk
        self.key = progress_key(job.pk)
        self.total = job.total_rows
        self.callback = callback

    def __call__(self, phase: str, rows: int) -> None:
        cache.set(self.key, {"phase": phase, "rows": rows}, timeout=3600)
        if phase == "validating":
            ImportJob.objects.filter(pk=self.job_id).update(
                rows_checked=rows, heartbeat_at=timezone.now()
            )
        if self.callback:
            self.callback(phase, rows, self.total)

    def clear(self) -> None:
        cache.delete(self.key)


def _validate(job: ImportJob, checker: RowChecker, progress: _Progress) -> ImportJob:
    """Check every row and record the problems; all or nothing stops here if there are any."""
    errors: list[ImportRowError] = []
    total = bad = 0
    for number, cells in job_table(job).rows:
        total += 1
        row = checker.check(number, cells)
        if row.problems:
            bad += 1
            errors.extend(
                ImportRowError(
                    job_id=job.pk,
                    row=problem.row,
                    column=problem.column[:255],
                    value=problem.value[:1000],
                    message=problem.message[:500],
                )
                for problem in row.problems
            )
        if total % PROGRESS_EVERY == 0:
            progress("validating", total)
    progress("validating", total)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(job.pk)
        if locked.validated_at is not None or locked.state not in RUNNING:
            return locked  # checked by another worker, or cancelled
        ImportRowError.objects.filter(job=locked).delete()
        ImportRowError.objects.bulk_create(errors, batch_size=5_000)
        locked.total_rows, locked.error_count, locked.validated_at = total, bad, now
        if bad and locked.mode == ImportJob.Mode.ALL_OR_NOTHING:
            locked.state, locked.finished_at = ImportJob.State.FAILED, now
            locked.message = (
                f"Nothing was imported: {bad:,} of {total:,} rows have problems. Correct them "
                "in the file and upload it again, or import only the valid rows."
            )
        else:
            locked.state = ImportJob.State.READY
        locked.save(update_fields=[*_STATE_FIELDS, "total_rows", "error_count", "validated_at"])
    return locked


def _apply(job: ImportJob, checker: RowChecker, progress: _Progress) -> None:
    started = ImportJob.objects.filter(
        pk=job.pk, state__in=(ImportJob.State.READY, ImportJob.State.IMPORTING)
    ).update(
        state=ImportJob.State.IMPORTING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not started:
        return
    job = ImportJob.objects.defer("data").get(pk=job.pk)
    actor_id = job.created_by_id
    rows = job_table(job).rows
    # The e-mails of the rows applied before: a later row with one of them is a duplicate
    # merged into its lead, whichever chunk it falls in (and after a resume too).
    seen: set[str] = set()
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        with transaction.atomic():
            locked = _locked(job.pk)
            if locked.state != ImportJob.State.IMPORTING:
                return
            totals, done = ChunkCounts(), 0
            for chunk in _chunks(rows):
                totals += chunk_apply(checker, chunk, actor_id=actor_id, seen=seen)
                done += len(chunk)
                progress("importing", done)
            _finish(locked, rows_done=done, counts=totals)
        return

    position = job.rows_done
    for number, cells in islice(rows, position):
        row = checker.check(number, cells)
        if row.is_valid:
            seen.add(str(row.values["email"]))
    for chunk in _chunks(rows):
        with transaction.atomic():
            locked = _locked(job.pk)
            if locked.state != ImportJob.State.IMPORTING or locked.rows_done != position:
                return  # Another worker has taken the job over, or it was stopped.
            counts = chunk_apply(checker, chunk, actor_id=actor_id, seen=seen)
            ImportJob.objects.filter(pk=job.pk).update(
                rows_done=F("rows_done") + len(chunk),
                created_count=F("created_count") + counts.created,
                updated_count=F("updated_count") + counts.updated,
                merged_count=F("merged_count") + counts.merged,
                skipped_count=F("skipped_count") + counts.skipped,
                updated_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
        position += len(chunk)
        progress("importing", position)
    with transaction.atomic():
        locked = _locked(job.pk)
        if locked.state == ImportJob.State.IMPORTING:
            _finish(locked)


def _locked(job_id: int) -> ImportJob:
    """The job, locked for this transaction, without its file (which is read once per run)."""
    return ImportJob.objects.select_for_update().defer("data").get(pk=job_id)


def _finish(job: ImportJob, *, rows_done: int = 0, counts: ChunkCounts | None = None) -> None:
    """Mark a locked job done; ``counts`` are the totals of an all-or-nothing run."""
    if counts is not None:
        job.rows_done = rows_done
        job.created_count, job.updated_count = counts.created, counts.updated
        job.merged_count, job.skipped_count = counts.merged, counts.skipped
    job.state, job.finished_at, job.message = ImportJob.State.DONE, timezone.now(), ""
    job.save(update_fields=[*_STATE_FIELDS, *_COUNT_FIELDS])


def _record_failure(job_id: int, error: Exception) -> None:
    job = ImportJob.objects.defer("data").get(pk=job_id)
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        state = ImportJob.State.ROLLED_BACK
        message = (
            f"The import stopped on an error ({error}) and was rolled back: nothing was "
            "imported. You can run it again."
        )
    else:
        state = ImportJob.State.FAILED
        message = (
            f"The import stopped on an error ({error}). The first {job.rows_done:,} rows are "
            f"imported, in whole chunks; resume to import the other "
            f"{job.total_rows - job.rows_done:,}."
        )
    ImportJob.objects.filter(pk=job_id, state__in=RUNNING).update(
        state=state, message=message[:2000], finished_at=timezone.now()
    )


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk
