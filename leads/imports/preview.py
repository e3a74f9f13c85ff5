"""What the preview shows before anything is written: the values of each choice column, and
one pass of the checker over the whole file under the options being edited.

The pass is the first pass of the import without its writes: it counts the rows with problems
by column and message, the rows that repeat an e-mail, the stages the leads would enter at,
the owners matched and the titles read, and keeps the first rows (and the first rows with
problems) to show. It costs about as much as the import's own first pass (measured on the
page and by ``make bench``), so its result is cached for the same job and options.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache

from leads.imports.models import ImportJob
from leads.imports.parsing import (
    FIELD_LABELS,
    LEAVE_EMPTY,
    SKIP_ROW,
    ImportOptions,
    Owners,
    RowChecker,
    choice_fields,
    created_at_of,
    value_key,
)
from leads.imports.services import job_table
from leads.models import Stage

FIRST_ROWS = 10
PROBLEM_ROWS = 15
VALUES_SHOWN = 40
CACHE_SECONDS = 600


# --- the values of choice columns ------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnValue:
    """One value of a choice column (its spellings grouped), with what it becomes."""

    key: str
    spelling: str
    rows: int
    recognised: bool
    target: str


@dataclass(frozen=True)
class ChoiceColumn:
    field: str
    header: str
    values: list[ColumnValue]
    options: list[tuple[str, str]]
    # Rows whose cell is empty, and values not listed (beyond VALUES_SHOWN).
    empty_rows: int = 0
    more_values: int = 0
    # More distinct values than the upload counts: none is listed.
    too_many: bool = False
    # Listed but not read: the stages while the criteria decide (the choices are kept).
    ignored: bool = False

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def unrecognised(self) -> int:
        return sum(1 for value in self.values if not value.recognised)


def choice_columns(job: ImportJob, options: ImportOptions, owners: Owners) -> list[ChoiceColumn]:
    """The mapped choice columns with their values (from the counts made on upload), most
    in need of a decision first: values not recognised, then the most frequent."""
    fields = choice_fields(owners)
    columns = []
    for index, name in enumerate(options.mapping):
        if name not in fields:
            continue
        choice = fields[name]
        header = job.headers[index] or f"Column {index + 1}"
        leave = (LEAVE_EMPTY, choice.empty_label)
        skip = (SKIP_ROW, "Skip these rows")
        menu = [*choice.choices, leave, skip]
        counted = job.column_values[index] if index < len(job.column_values) else None
        ignored = name == "stage" and not options.keep_stages
        if counted is None:
            columns.append(ChoiceColumn(name, header, [], menu, too_many=True, ignored=ignored))
            continue
        grouped: dict[str, Counter] = {}
        empty = 0
        for raw, rows in counted:
            key = value_key(raw)
            if not key:
                empty += rows
                continue
            grouped.setdefault(key, Counter())[raw] += rows
        values = []
        chosen = options.values.get(name, {})
        for key, spellings in grouped.items():
            spelling = spellings.most_common(1)[0][0]
            target, recognised = choice.target(spelling, chosen)
            values.append(ColumnValue(key, spelling, spellings.total(), recognised, target))
        values.sort(key=lambda value: (value.recognised, -value.rows, value.spelling))
        columns.append(
            ChoiceColumn(
                name, header, values[:VALUES_SHOWN], menu, empty_rows=empty,
                more_values=max(0, len(values) - VALUES_SHOWN), ignored=ignored,
            )
        )  # fmt: skip
    return columns


# --- the pass over the whole file ------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewCell:
    value: str
    problem: str = ""


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: list[PreviewCell]

    @property
    def has_problems(self) -> bool:
        return any(cell.problem for cell in self.cells)


@dataclass(frozen=True)
class ProblemCount:
    column: str
    message: str
    rows: int


@dataclass
class Survey:
    """The whole file as the options read it."""

    fields: list[str] = field(default_factory=list)
    keep_stages: bool = True
    rows: int = 0
    bad_rows: int = 0
    problems: list[ProblemCount] = field(default_factory=list)
    # Problems in each column, by position, for the preview table's headers.
    column_problems: list[int] = field(default_factory=list)
    leads: int = 0
    merged: int = 0
    # The stage each valid row names (Lead when it names none): (label, rows), in funnel order.
    stages: list[tuple[str, int]] = field(default_factory=list)
    owners_matched: int = 0
    owners_unmatched: int = 0
    unmatched_owner_names: list[str] = field(default_factory=list)
    titles: int = 0
    seniority_read: int = 0
    department_read: int = 0
    earliest: datetime | None = None
    latest: datetime | None = None
    first_rows: list[PreviewRow] = field(default_factory=list)
    problem_rows: list[PreviewRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def good_rows(self) -> int:
        return self.rows - self.bad_rows


def _cache_key(job: ImportJob, options: ImportOptions, owners: Owners) -> str:
    described = json.dumps(
        [options.mapping, options.values, options.keep_stages, options.day_first,
         sorted(owners.ids)],
        sort_keys=True,
    )  # fmt: skip
    digest = hashlib.sha256(described.encode()).hexdigest()[:24]
    return f"leads:import-preview:{job.pk}:{digest}"


def import_survey(job: ImportJob, options: ImportOptions, owners: Owners) -> Survey:
    """Check every row of the job's file under ``options``, without writing anything."""
    key = _cache_key(job, options, owners)
    cached = cache.get(key)
    if cached is not None:
        return cached
    started = time.perf_counter()
    checker = RowChecker(job.headers, options, owners)
    mapped = dict(enumerate(options.mapping))
    owner_column = next((i for i, name in mapped.items() if name == "owner"), None)
    headers = [header or f"Column {index + 1}" for index, header in enumerate(job.headers)]
    survey = Survey(
        fields=[name for name in options.mapping if name], keep_stages=options.keep_stages
    )
    problems: Counter[tuple[str, str]] = Counter()
    columns: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    unmatched: Counter[str] = Counter()
    emails: set[str] = set()
    for number, cells in job_table(job).rows:
        survey.rows += 1
        row = checker.check(number, cells)
        if row.problems:
            survey.bad_rows += 1
            for problem in row.problems:
                problems[problem.column, problem.message] += 1
                columns[problem.column] += 1
            if survey.rows > FIRST_ROWS and len(survey.problem_rows) < PROBLEM_ROWS:
                survey.problem_rows.append(_shown(number, cells, headers, row.problems, mapped))
        else:
            values = row.values
            email = str(values["email"])
            if email in emails:
                survey.merged += 1
            else:
                emails.add(email)
            stages[str(values.get("stage") or Stage.LEAD)] += 1
            if (
                owner_column is not None
                and owner_column < len(cells)
                and cells[owner_column].strip()
            ):
                if values.get("owner"):
                    survey.owners_matched += 1
                else:
                    survey.owners_unmatched += 1
                    unmatched[cells[owner_column].strip()] += 1
            if values.get("job_title"):
                survey.titles += 1
                survey.seniority_read += bool(
                    values.get("seniority") or values.get("seniority_guess")
                )
                survey.department_read += bool(
                    values.get("department") or values.get("department_guess")
                )
            if created := created_at_of(values):
                survey.earliest = min(survey.earliest or created, created)
                survey.latest = max(survey.latest or created, created)
        if survey.rows <= FIRST_ROWS:
            survey.first_rows.append(_shown(number, cells, headers, row.problems, mapped))
    survey.leads = len(emails)
    survey.problems = [
        ProblemCount(column, message, rows) for (column, message), rows in problems.most_common()
    ]
    survey.column_problems = [
        columns[header] if options.mapping[index] else 0 for index, header in enumerate(headers)
    ]
    survey.stages = [(stage.label, stages[stage]) for stage in Stage if stages[stage]]
    survey.unmatched_owner_names = [name for name, _ in unmatched.most_common(5)]
    survey.seconds = time.perf_counter() - started
    cache.set(key, survey, CACHE_SECONDS)
    return survey


def _shown(number: int, cells: list[str], headers: list[str], problems, mapped: dict[int, str]):
    """A row as the preview table shows it: each mapped cell with its problem."""
    by_column = {problem.column: problem.message for problem in problems}
    padded = (cells + [""] * len(headers))[: len(headers)]
    return PreviewRow(
        number=number,
        cells=[
            PreviewCell(
                value=value, problem=by_column.get(headers[index], "") if mapped[index] else ""
            )
            for index, value in enumerate(padded)
        ],
    )
