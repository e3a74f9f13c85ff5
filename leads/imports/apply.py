"""Writing a chunk of checked rows: leads upserted by e-mail, companies matched by domain, a
transition for each new lead. The rules are described in ``leads.imports.services``.

On PostgreSQL the chunk is copied into a temporary table and applied with a few set-based
statements; elsewhere (the SQLite demo) through the ORM. The SQL is assembled from model column
names and constants only; every value is a parameter or travels through COPY.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone

from leads.imports.parsing import LEAD_TEXT_FIELDS, CheckedRow, RowChecker
from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Company, Lead, Stage
from leads.scoring.incremental import scoring_enqueue
from leads.search import leads_search_write

# Lead columns an import writes from a field of the same name.
LEAD_IMPORT_FIELDS = (*LEAD_TEXT_FIELDS, "country", "original_channel")


def chunk_apply(
    checker: RowChecker, chunk: list[tuple[int, list[str]]], actor_id: int | None
) -> tuple[int, int, int]:
    """Write a chunk's valid rows; returns (leads created, leads updated, rows skipped)."""
    merged: dict[str, dict[str, str]] = {}
    skipped = repeats = 0
    for number, cells in chunk:
        row: CheckedRow = checker.check(number, cells)
        if not row.is_valid:
            skipped += 1
            continue
        email = row.values["email"]
        if email in merged:
            repeats += 1
            merged[email].update({name: value for name, value in row.values.items() if value})
        else:
            merged[email] = row.values
    if not merged:
        return 0, 0, skipped
    upsert = _upsert_postgresql if _use_copy() else _upsert_orm
    created, updated = upsert(list(merged.values()), checker.fields, actor_id, timezone.now())
    imported = Lead.objects.annotate(normalized=Lower("email")).filter(normalized__in=list(merged))
    leads_search_write(imported)
    scoring_enqueue(imported.values_list("pk", flat=True))
    return created, updated + repeats, skipped


def _use_copy() -> bool:
    return connection.vendor == "postgresql"


def _new_lead_scores() -> dict:
    return Lead().score_snapshot()


_TEMP_COLUMNS = (
    "email", *LEAD_IMPORT_FIELDS, "stage", "company_name", "company_domain", "company_industry",
)  # fmt: skip


def _upsert_postgresql(
    rows: list[dict[str, str]], fields: list[str], actor_id, now
) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS lead_import_rows (seq integer, "
            + ", ".join(f"{column} text NOT NULL" for column in _TEMP_COLUMNS)
            + ", company_id bigint) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE lead_import_rows")
        with cursor.copy(
            f"COPY lead_import_rows (seq, {', '.join(_TEMP_COLUMNS)}) FROM STDIN"
        ) as copy:
            for seq, row in enumerate(rows):
                copy.write_row((seq, *(row.get(column, "") for column in _TEMP_COLUMNS)))

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

        # Final values: the file's non-empty cells over the existing lead's.
        final = {
            name: f"COALESCE(NULLIF(r.{name}, ''), e.{name}, '')" for name in LEAD_IMPORT_FIELDS
        }
        lead = _insert_parts(
            Lead,
            {
                "email": "r.email",
                **final,
                "company_id": "COALESCE(r.company_id, e.company_id)",
                "stage": "COALESCE(NULLIF(r.stage, ''), %(default_stage)s)",
                "stage_changed_at": "%(now)s",
                "created_at": "%(now)s",
                "updated_at": "%(now)s",
            },
        )
        updated_columns = [name for name in LEAD_IMPORT_FIELDS if name in fields]
        if "company_name" in fields or "company_domain" in fields:
            updated_columns.append("company_id")
        assignments = ", ".join(
            f"{column} = EXCLUDED.{column}" for column in (*updated_columns, "updated_at")
        )
        cursor.execute(
            f"INSERT INTO leads_lead ({lead.columns}) SELECT {lead.values}"  # noqa: S608 - identifiers only (see above)
            " FROM lead_import_rows r"
            " LEFT JOIN leads_lead e ON lower(e.email) = r.email"
            " ORDER BY r.seq"
            f" ON CONFLICT ((lower(email))) DO UPDATE SET {assignments}"
            " RETURNING id, stage, (xmax = 0) AS inserted",
            {**lead.params, "now": now, "default_stage": Stage.LEAD.value},
        )
        upserted = cursor.fetchall()
    entered = [(lead_id, stage) for lead_id, stage, inserted in upserted if inserted]
    _entries_write(entered, actor_id, now)
    return len(entered), len(upserted) - len(entered)


def _entries_write(leads: list[tuple[int, str]], actor_id: int | None, now) -> None:
    """The transition of each new lead (id, stage) into the funnel, through the lifecycle."""
    scores = _new_lead_scores()
    stage_changes_write(
        [
            StageChange(
                lead_id=lead_id,
                from_stage="",
                to_stage=stage,
                at=now,
                actor_id=actor_id,
                reason="Imported",
                scores=scores,
            )
            for lead_id, stage in leads
        ],
        apply=False,
    )


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


def _upsert_orm(rows: list[dict[str, str]], fields: list[str], actor_id, now) -> tuple[int, int]:
    companies = _companies_for(rows, now)
    existing = {
        lead.email: lead for lead in Lead.objects.filter(email__in=[row["email"] for row in rows])
    }
    new_leads, changed = [], []
    updated_fields = {name for name in LEAD_IMPORT_FIELDS if name in fields}
    for row in rows:
        company = companies.get(_company_key(row))
        lead = existing.get(row["email"])
        if lead is None:
            lead = Lead(
                email=row["email"],
                stage=row.get("stage") or Stage.LEAD,
                stage_changed_at=now,
                created_at=now,
                company=company,
                **{name: row.get(name, "") for name in LEAD_IMPORT_FIELDS},
            )
            new_leads.append(lead)
        else:
            for name in updated_fields:
                if row.get(name):
                    setattr(lead, name, row[name])
            if company is not None:
                lead.company = company
            changed.append(lead)
    Lead.objects.bulk_create(new_leads)
    created_ids = dict(
        Lead.objects.filter(email__in=[lead.email for lead in new_leads]).values_list("email", "id")
    )
    _entries_write([(created_ids[lead.email], lead.stage) for lead in new_leads], actor_id, now)
    if changed:
        Lead.objects.bulk_update(changed, [*sorted(updated_fields), "company", "updated_at"])
    return len(new_leads), len(changed)


def _company_key(row: dict[str, str]) -> tuple[str, str] | None:
    if row.get("company_domain"):
        return ("domain", row["company_domain"])
    if row.get("company_name"):
        return ("name", row["company_name"].lower())
    return None


def _companies_for(rows: Iterable[dict[str, str]], now) -> dict[tuple[str, str], Company]:
    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        key = _company_key(row)
        if key is not None and key not in wanted:
            wanted[key] = row
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
    missing = [
        Company(
            name=row.get("company_name") or row.get("company_domain", ""),
            domain=row.get("company_domain", ""),
            industry=row.get("company_industry", ""),
        )
        for key, row in wanted.items()
        if key not in found
    ]
    for company in missing:
        company.save()
        found[_company_key({"company_domain": company.domain, "company_name": company.name})] = (
            company
        )
    return found
