"""Writing a chunk of checked rows: leads upserted by e-mail, companies matched by domain (and
given the attributes they lack), the entry transition of each new lead, and the forward moves
of existing leads when the import keeps the file's stages. The rules are described in
``leads.imports.services``.

On PostgreSQL the chunk is copied into a temporary table and applied with a few set-based
statements; elsewhere (the SQLite demo) through the ORM. The SQL is assembled from model column
names and constants only; every value is a parameter or travels through COPY. Stage changes,
for new leads and existing ones alike, are written by ``leads.lifecycle.stage_changes_write``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone

from leads.imports.parsing import LEAD_TEXT_FIELDS, RowChecker, created_at_of
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import FUNNEL, Company, Lead, Stage
from leads.scoring.incremental import scoring_enqueue
from leads.search import leads_search_write

# Lead columns an import writes from a field of the same name, as the file has them.
LEAD_IMPORT_FIELDS = (*LEAD_TEXT_FIELDS, "country", "original_channel", "lead_status")
# Read from the file's own columns when it has them, else guessed from the job title; a guess
# only fills an empty value.
GUESSED_FIELDS = ("seniority", "department")
# A company's attributes an import fills when the company has none.
COMPANY_FILLED = {
    "industry": "company_industry",
    "employee_count": "company_employees",
    "size_band": "company_size_band",
    "annual_revenue_band": "company_revenue_band",
}
IMPORTED = "Imported"


@dataclass
class ChunkCounts:
    """What a chunk did with its rows; ``created + updated + merged + skipped`` is its rows."""

    created: int = 0
    updated: int = 0
    merged: int = 0
    skipped: int = 0

    def __iadd__(self, other: ChunkCounts) -> ChunkCounts:
        self.created += other.created
        self.updated += other.updated
        self.merged += other.merged
        self.skipped += other.skipped
        return self


def chunk_apply(
    checker: RowChecker,
    chunk: list[tuple[int, list[str]]],
    *,
    actor_id: int | None,
    seen: set[str],
) -> ChunkCounts:
    """Write a chunk's valid rows. ``seen`` holds the e-mails of the rows written before this
    chunk (a row repeating one is a merged duplicate) and gets this chunk's."""
    merged: dict[str, dict[str, object]] = {}
    counts = ChunkCounts()
    for number, cells in chunk:
        row = checker.check(number, cells)
        if not row.is_valid:
            counts.skipped += 1
            continue
        email = str(row.values["email"])
        if email in merged:
            counts.merged += 1
            merged[email].update(
                {name: value for name, value in row.values.items() if value not in ("", None)}
            )
        else:
            merged[email] = dict(row.values)
    if not merged:
        return counts
    earlier = sum(1 for email in merged if email in seen)
    seen.update(merged)
    written = _written_fields(checker.fields)
    upsert = _upsert_postgresql if _use_copy() else _upsert_orm
    created, updated = upsert(list(merged.values()), written, actor_id, timezone.now())
    counts.created, counts.updated = created, updated - earlier
    counts.merged += earlier
    imported = Lead.objects.annotate(normalized=Lower("email")).filter(normalized__in=list(merged))
    leads_search_write(imported)
    scoring_enqueue(imported.values_list("pk", flat=True))
    return counts


def _use_copy() -> bool:
    return connection.vendor == "postgresql"


def _written_fields(mapped: list[str]) -> set[str]:
    """The lead columns an existing lead may get from the file, given the mapped fields."""
    written = {name for name in LEAD_IMPORT_FIELDS if name in mapped}
    if "full_name" in mapped:
        written |= {"first_name", "last_name"}
    if {"job_title", *GUESSED_FIELDS} & set(mapped):
        written |= set(GUESSED_FIELDS)
    if "owner" in mapped:
        written.add("owner_id")
    if any(name.startswith("company_") for name in mapped):
        written.add("company_id")
    return written


def _forward(current: str, target: str) -> bool:
    """Whether the file's stage lies further down the funnel than the lead's own."""
    return current in FUNNEL and target in FUNNEL and FUNNEL.index(target) > FUNNEL.index(current)


def _stages_write(
    entered: list[tuple[int, str, datetime]],
    moved: list[tuple[int, str, str, dict]],
    actor_id: int | None,
    now: datetime,
) -> None:
    """Through the lifecycle: the entry of each new lead (id, stage, when) into the funnel,
    then the forward moves of existing leads (id, from, to, scores) with guarded updates."""
    scores = Lead().score_snapshot()
    stage_changes_write(
        [
            StageChange(
                lead_id=lead_id, from_stage="", to_stage=stage, at=at, actor_id=actor_id,
                reason=IMPORTED, scores=scores,
            )
            for lead_id, stage, at in entered
        ],
        apply=False,
    )  # fmt: skip
    if moved:
        stage_changes_write(
            [
                StageChange(
                    lead_id=lead_id, from_stage=current, to_stage=target, at=now,
                    actor_id=actor_id, reason=IMPORTED, scores=snapshot,
                )
                for lead_id, current, target, snapshot in moved
            ]
        )  # fmt: skip


# --- PostgreSQL ------------------------------------------------------------------------------------

_TEXT_COLUMNS = (
    "email", *LEAD_IMPORT_FIELDS, "seniority", "department", "seniority_guess", "department_guess",
    "stage", "company_name", "company_domain", "company_industry", "company_size_band",
    "company_revenue_band",
)  # fmt: skip
_TYPED_COLUMNS = {"owner": "bigint", "created_at": "timestamptz", "company_employees": "integer"}
_SCORE_COLUMNS = ("fit_score", "engagement_score", "total_score", "temperature", "grade")


def _upsert_postgresql(
    rows: list[dict[str, object]], written: set[str], actor_id, now
) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS lead_import_rows (seq integer, "
            + ", ".join(f"{column} text NOT NULL" for column in _TEXT_COLUMNS)
            + ", "
            + ", ".join(f"{column} {kind}" for column, kind in _TYPED_COLUMNS.items())
            + ", company_id bigint) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE lead_import_rows")
        columns = (*_TEXT_COLUMNS, *_TYPED_COLUMNS)
        with cursor.copy(f"COPY lead_import_rows (seq, {', '.join(columns)}) FROM STDIN") as copy:
            for seq, row in enumerate(rows):
                copy.write_row(
                    (
                        seq,
                        *(str(row.get(column) or "") for column in _TEXT_COLUMNS),
                        *(row.get(column) for column in _TYPED_COLUMNS),
                    )
                )
        # Temporary tables are never analysed by autovacuum: without this the planner guesses
        # the chunk's size and shape for every statement below.
        cursor.execute("ANALYZE lead_import_rows")
        _companies_postgresql(cursor, now)

        # Final values: the file's non-empty cells over the existing lead's.
        final = {
            name: f"COALESCE(NULLIF(r.{name}, ''), e.{name}, '')" for name in LEAD_IMPORT_FIELDS
        }
        guessed = {
            name: f"COALESCE(NULLIF(r.{name}, ''), NULLIF(e.{name}, ''), r.{name}_guess)"
            for name in GUESSED_FIELDS
        }
        lead = _insert_parts(
            Lead,
            {
                "email": "r.email",
                **final,
                **guessed,
                "owner_id": "COALESCE(r.owner, e.owner_id)",
                "company_id": "COALESCE(r.company_id, e.company_id)",
                "stage": "COALESCE(NULLIF(r.stage, ''), %(default_stage)s)",
                "stage_changed_at": "COALESCE(r.created_at, %(now)s)",
                "created_at": "COALESCE(r.created_at, %(now)s)",
                "updated_at": "%(now)s",
            },
        )
        updated_columns = sorted(written)
        assignments = ", ".join(
            f"{column} = EXCLUDED.{column}" for column in (*updated_columns, "updated_at")
        )
        cursor.execute(
            f"INSERT INTO leads_lead ({lead.columns}) SELECT {lead.values}"  # noqa: S608 - identifiers only (see above)
            " FROM lead_import_rows r"
            " LEFT JOIN leads_lead e ON lower(e.email) = r.email"
            " ORDER BY r.seq"
            f" ON CONFLICT ((lower(email))) DO UPDATE SET {assignments}"
            " RETURNING id, stage, stage_changed_at, (xmax = 0) AS inserted, lower(email), "
            + ", ".join(_SCORE_COLUMNS),
            {**lead.params, "now": now, "default_stage": Stage.LEAD.value},
        )
        upserted = cursor.fetchall()
    by_email = {str(row["email"]): row for row in rows}
    entered, moved = [], []
    for lead_id, stage, stage_changed_at, inserted, email, *scores in upserted:
        if inserted:
            entered.append((lead_id, stage, stage_changed_at))
        elif _forward(stage, str(by_email[email].get("stage") or "")):
            snapshot = dict(
                zip(("fit", "engagement", "total", "temperature", "grade"), scores, strict=True)
            )
            moved.append((lead_id, stage, str(by_email[email]["stage"]), snapshot))
    _stages_write(entered, moved, actor_id, now)
    return len(entered), len(upserted) - len(entered)


def _companies_postgresql(cursor, now) -> None:
    """Create the chunk's missing companies, set each row's company, and fill the attributes
    its company lacks from the first row that has them."""
    company_columns = {
        "domain": "r.company_domain",
        "industry": "r.company_industry",
        "created_at": "%(now)s",
        "updated_at": "%(now)s",
    }
    by_domain = _insert_parts(
        Company,
        {"name": "COALESCE(NULLIF(r.company_name, ''), r.company_domain)", **company_columns},
    )
    company = _insert_parts(Company, {"name": "r.company_name", **company_columns})
    cursor.execute(
        f"INSERT INTO leads_company ({by_domain.columns}) "  # noqa: S608 - identifiers only (see above)
        f"SELECT DISTINCT ON (r.company_domain) {by_domain.values} "
        "FROM lead_import_rows r WHERE r.company_domain <> '' "
        "ORDER BY r.company_domain, r.seq "
        "ON CONFLICT (domain) WHERE domain <> '' DO NOTHING",
        {**by_domain.params, "now": now},
    )
    cursor.execute(
        "UPDATE lead_import_rows r SET company_id = c.id FROM leads_company c "
        "WHERE r.company_domain <> '' AND c.domain = r.company_domain"
    )
    cursor.execute(
        f"INSERT INTO leads_company ({company.columns}) "  # noqa: S608 - identifiers only (see above)
        f"SELECT DISTINCT ON (lower(r.company_name)) {company.values} "
        "FROM lead_import_rows r WHERE r.company_domain = '' AND r.company_name <> '' "
        "AND NOT EXISTS (SELECT 1 FROM leads_company c "
        "WHERE c.domain = '' AND lower(c.name) = lower(r.company_name)) "
        "ORDER BY lower(r.company_name), r.seq",
        {**company.params, "now": now},
    )
    cursor.execute(
        "UPDATE lead_import_rows r SET company_id = (SELECT min(c.id) FROM leads_company c "
        "WHERE c.domain = '' AND lower(c.name) = lower(r.company_name)) "
        "WHERE r.company_domain = '' AND r.company_name <> ''"
    )
    firsts = ", ".join(
        f"(array_agg(r.{source} ORDER BY r.seq) FILTER (WHERE r.{source} {_present(source)}))[1]"
        f" AS {column}"
        for column, source in COMPANY_FILLED.items()
    )
    empty = {column: _empty(column) for column in COMPANY_FILLED}
    assignments = ", ".join(
        f"{column} = CASE WHEN c.{column} {empty[column]} AND f.{column} IS NOT NULL "
        f"THEN f.{column} ELSE c.{column} END"
        for column in COMPANY_FILLED
    )
    lacking = " OR ".join(
        f"(c.{column} {empty[column]} AND f.{column} IS NOT NULL)" for column in COMPANY_FILLED
    )
    # The values each company may get, keyed by company: whatever the planner believes of the
    # companies (statistics lag behind a chunk that has just created thousands), it joins them
    # by this key rather than recomputing the grouping once per company.
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS lead_import_company_values (company_id bigint PRIMARY "
        f"KEY, {', '.join(f'{column} {_company_type(column)}' for column in COMPANY_FILLED)}) "
        "ON COMMIT DROP"
    )
    cursor.execute("TRUNCATE lead_import_company_values")
    cursor.execute(
        "INSERT INTO lead_import_company_values "  # noqa: S608 - identifiers only (see above)
        f"SELECT r.company_id, {firsts} FROM lead_import_rows r "
        "WHERE r.company_id IS NOT NULL GROUP BY r.company_id"
    )
    cursor.execute(
        f"UPDATE leads_company c SET {assignments}, updated_at = %(now)s "  # noqa: S608 - identifiers only (see above)
        "FROM lead_import_company_values f "
        f"WHERE c.id = f.company_id AND ({lacking})",
        {"now": now},
    )


def _company_type(column: str) -> str:
    return "integer" if column == "employee_count" else "text"


def _present(source: str) -> str:
    return "IS NOT NULL" if source in _TYPED_COLUMNS else "<> ''"


def _empty(column: str) -> str:
    return "IS NULL" if column == "employee_count" else "= ''"


@dataclass(frozen=True)
class _InsertParts:
    columns: str
    values: str
    params: dict


def _insert_parts(model: type[Model], given: dict[str, str]) -> _InsertParts:
    """The column list and SELECT expressions of an INSERT into ``model``'s table: the given
    expressions, and every other column's model default, so a column added later is filled."""
    columns, values, params = [], [], {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(model_field.column)
        if model_field.column in given:
            values.append(given[model_field.column])
        else:
            name = f"default_{model_field.column}"
            values.append(f"%({name})s")
            params[name] = model_field.get_db_prep_save(model_field.get_default(), connection)
    return _InsertParts(", ".join(columns), ", ".join(values), params)


# --- the ORM (the SQLite demo) ---------------------------------------------------------------------


def _upsert_orm(rows: list[dict[str, object]], written: set[str], actor_id, now) -> tuple[int, int]:
    companies = _companies_for(rows, now)
    existing = {
        lead.email: lead for lead in Lead.objects.filter(email__in=[row["email"] for row in rows])
    }
    new_leads, changed, moved = [], [], []
    for row in rows:
        company = companies.get(_company_key(row))
        lead = existing.get(str(row["email"]))
        if lead is None:
            created_at = created_at_of(row) or now
            lead = Lead(
                email=row["email"],
                stage=row.get("stage") or Stage.LEAD,
                stage_changed_at=created_at,
                created_at=created_at,
                company=company,
                owner_id=row.get("owner"),
                **{name: row.get(name) or "" for name in LEAD_IMPORT_FIELDS},
                **{
                    name: row.get(name) or row.get(f"{name}_guess") or "" for name in GUESSED_FIELDS
                },
            )
            new_leads.append(lead)
            continue
        for name in written & {*LEAD_IMPORT_FIELDS, *GUESSED_FIELDS}:
            if row.get(name):
                setattr(lead, name, row[name])
            elif name in GUESSED_FIELDS and not getattr(lead, name):
                setattr(lead, name, row.get(f"{name}_guess") or "")
        if row.get("owner"):
            lead.owner_id = row["owner"]
        if company is not None:
            lead.company = company
        lead.updated_at = now
        changed.append(lead)
        if _forward(lead.stage, str(row.get("stage") or "")):
            moved.append((lead.pk, lead.stage, str(row["stage"]), lead.score_snapshot()))
    Lead.objects.bulk_create(new_leads)
    created_ids = dict(
        Lead.objects.filter(email__in=[lead.email for lead in new_leads]).values_list("email", "id")
    )
    if changed:
        fields = sorted({name.removesuffix("_id") for name in written} | {"company", "updated_at"})
        Lead.objects.bulk_update(changed, fields)
    entered = [(created_ids[lead.email], lead.stage, lead.created_at) for lead in new_leads]
    _stages_write(entered, moved, actor_id, now)
    return len(new_leads), len(changed)


def _company_key(row: dict[str, object]) -> tuple[str, str] | None:
    if row.get("company_domain"):
        return ("domain", str(row["company_domain"]))
    if row.get("company_name"):
        return ("name", str(row["company_name"]).lower())
    return None


def _companies_for(rows: Iterable[dict[str, object]], now) -> dict[tuple[str, str], Company]:
    """The rows' companies, created when missing, with the attributes they lack filled from
    the first row that has them."""
    wanted: dict[tuple[str, str], list[dict[str, object]]] = {}
    for row in rows:
        key = _company_key(row)
        if key is not None:
            wanted.setdefault(key, []).append(row)
    domains = [value for kind, value in wanted if kind == "domain"]
    names = [value for kind, value in wanted if kind == "name"]
    found: dict[tuple[str, str], Company] = {
        ("domain", company.domain): company
        for company in Company.objects.filter(domain__in=domains)
    }
    for company in (
        Company.objects.filter(domain="")
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names)
        .order_by("-id")
    ):
        found[("name", company.lower_name)] = company
    for key, company_rows in wanted.items():
        first = company_rows[0]
        company = found.get(key) or Company(
            name=str(first.get("company_name") or first.get("company_domain") or ""),
            domain=str(first.get("company_domain") or ""),
        )
        lacking = [column for column in COMPANY_FILLED if getattr(company, column) in ("", None)]
        for column in lacking:
            source = COMPANY_FILLED[column]
            value = next((row[source] for row in company_rows if row.get(source)), None)
            if value is not None:
                setattr(company, column, value)
        if company.pk is None or lacking:
            company.save()
        found[key] = company
    return found
