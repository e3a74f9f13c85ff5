"""The text the lead list's search matches: a lead's name, e-mail and company, lower-cased.

It lives in a table of its own (``LeadSearch``) with the trigram index that finds words inside
it. A lead's own row is rewritten whenever its score changes, and every index of that table is
written again each time: the trigram index, the costliest of them, stays out of that path.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Lower, Substr

from leads.models import Lead, LeadSearch

SEARCH_TEXT_LENGTH = 600


def search_text() -> Substr:
    """The search text of a lead, as an expression over its row and its company's."""
    words = Concat(
        "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "),
        Coalesce(F("company__name"), Value("")),
        output_field=CharField(),
    )  # fmt: skip
    return Substr(Lower(words), 1, SEARCH_TEXT_LENGTH)


def leads_search_write(leads: QuerySet[Lead]) -> None:
    """Write the search text of ``leads`` from their current names, e-mail and company, in one
    statement (inserted, or replaced where it changed)."""
    database = router.db_for_write(LeadSearch)
    rows = leads.order_by().annotate(written_text=search_text()).values_list("pk", "written_text")
    select, params = rows.query.get_compiler(using=database).as_sql()
    table = LeadSearch._meta.db_table
    # The SELECT is wrapped so that its own ON (a join) cannot be read as the upsert's: SQLite
    # asks for a WHERE there. Every identifier is a model's; the values are parameters.
    statement = (
        f'INSERT INTO "{table}" ("lead_id", "text") '  # noqa: S608
        f"SELECT * FROM ({select}) AS written WHERE true "
        'ON CONFLICT ("lead_id") DO UPDATE SET "text" = excluded."text" '
        f'WHERE "{table}"."text" <> excluded."text"'
    )
    with connections[database].cursor() as cursor:
        cursor.execute(statement, params)
