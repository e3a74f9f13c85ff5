"""CSV files the portal writes: the export of a filtered lead list, and an import's problems
file (the rows it skipped, as the file had them, each with its problems), both streamed row by
row and both with formula-looking cells neutralised by ``cell_safe``."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

from django.db.models import QuerySet

from leads.imports.models import ImportJob
from leads.models import Lead

# (header, how to read it from a lead): the columns an import recognises, then the scores.
EXPORT_COLUMNS = (
    ("Email", lambda lead: lead.email),
    ("First Name", lambda lead: lead.first_name),
    ("Last Name", lambda lead: lead.last_name),
    ("Job Title", lambda lead: lead.job_title),
    ("Phone Number", lambda lead: lead.phone),
    ("Company Name", lambda lead: lead.company.name if lead.company else ""),
    ("Company Domain Name", lambda lead: lead.company.domain if lead.company else ""),
    ("Country/Region", lambda lead: lead.country.name if lead.country else ""),
    ("Lifecycle Stage", lambda lead: lead.get_stage_display()),
    ("Original Source", lambda lead: lead.get_original_channel_display()),
    ("UTM Source", lambda lead: lead.original_utm_source),
    ("UTM Medium", lambda lead: lead.original_utm_medium),
    ("UTM Campaign", lambda lead: lead.original_utm_campaign),
    ("Owner", lambda lead: lead.owner.get_full_name() or lead.owner.username if lead.owner else ""),
    ("Total Score", lambda lead: lead.total_score),
    ("Temperature", lambda lead: lead.get_temperature_display()),
    ("Grade", lambda lead: lead.grade),
    ("Created", lambda lead: lead.created_at.isoformat(timespec="seconds")),
    ("Stage Changed", lambda lead: lead.stage_changed_at.isoformat(timespec="seconds")),
)
# Formula-looking cells are prefixed so a spreadsheet shows them instead of running them;
# phone numbers such as "+49 30 1234" are left alone.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^[+-][\d\s().-]*$")


class _Echo:
    """A file-like object whose ``write`` hands back what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def cell_safe(value) -> object:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (OWASP's advice for CSV injection), phone numbers aside."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _PHONE_LIKE.match(value)
    ):
        return "'" + value
    return value


def leads_for_export(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    return queryset.select_related("company", "owner").order_by("-created_at", "-id")


def export_rows(queryset: QuerySet[Lead]) -> Iterator[str]:
    """The CSV lines: a byte-order mark (so spreadsheets read UTF-8), the header, the leads."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([header for header, _ in EXPORT_COLUMNS])
    for lead in leads_for_export(queryset).iterator(chunk_size=2000):
        yield writer.writerow([cell_safe(read(lead)) for _, read in EXPORT_COLUMNS])


PROBLEM_COLUMNS = ("Row", "Problems")


def problem_rows(job: ImportJob, table, problems: dict[int, list[str]]) -> Iterator[str]:
    """The problems file: a byte-order mark, the header (the row number, its problems, then
    the file's own columns), and each row that has problems, as the file has it. Fixed in a
    spreadsheet, it can be imported again: the two added columns are not recognised and are
    ignored. ``problems`` lists each row's problems by row number."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([*PROBLEM_COLUMNS, *job.headers])
    width = len(job.headers)
    for number, cells in table.rows:
        messages = problems.get(number)
        if messages is None:
            continue
        padded = (cells + [""] * width)[:width]
        yield writer.writerow([number, "; ".join(messages), *(cell_safe(cell) for cell in padded)])
