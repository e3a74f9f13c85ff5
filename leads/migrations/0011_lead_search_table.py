"""The search text moves beside the lead, with its trigram index (``leads.search``)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_search_text(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO leads_leadsearch (lead_id, text) SELECT id, search_text FROM leads_lead"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lead_search_trgm")
        schema_editor.execute(
            "CREATE INDEX lead_search_trgm ON leads_leadsearch USING gin (text gin_trgm_ops)"
        )


def copy_search_text_back(apps, schema_editor):
    schema_editor.execute(
        "UPDATE leads_lead SET search_text = s.text FROM leads_leadsearch s "
        "WHERE s.lead_id = leads_lead.id"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lead_search_trgm")
        schema_editor.execute(
            "CREATE INDEX lead_search_trgm ON leads_lead USING gin (search_text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_score_history_no_lead_index")]

    operations = [
        migrations.CreateModel(
            name="LeadSearch",
            fields=[
                (
                    "lead",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="leads.lead",
                    ),
                ),
                ("text", models.CharField(max_length=600)),
            ],
            options={"verbose_name_plural": "lead search texts"},
        ),
        migrations.RunPython(copy_search_text, copy_search_text_back),
        migrations.RemoveField(model_name="lead", name="search_text"),
    ]
