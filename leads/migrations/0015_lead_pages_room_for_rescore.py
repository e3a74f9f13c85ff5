"""Lead pages are filled to a little under half, so that every lead's next version fits beside
it (a little larger than the old one when a lead is scored for the first time).

A full rescore drops the indexes over the scores (``leads.scoring.compaction``); with room on
its page, each rewritten lead is then a heap-only update: it stays on its page, and the key,
the e-mail and the other indexes are not written at all. A table of full pages would instead
move every lead to new pages at the end, doubling the table at each rescore and leaving the
pages it left empty for scans to read through. Existing pages take the setting as they are
next written.
"""

from django.db import migrations

FILL_PERCENT = 45


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE leads_lead SET (fillfactor = {FILL_PERCENT})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE leads_lead RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("leads", "0014_lead_company_index_in_meta")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
