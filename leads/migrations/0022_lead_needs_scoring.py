"""Leads carry whether they wait to be scored, for the sweep to find (indexed only where true).

Leads never scored are marked: those created while Redis or every worker was down had no
other way to be scored before the nightly run."""

from django.db import migrations, models


def unscored_leads_mark(apps, schema_editor):
    leads = apps.get_model("leads", "Lead").objects.using(schema_editor.connection.alias)
    leads.filter(scored_at__isnull=True).update(needs_scoring=True)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0021_event_idempotency_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="needs_scoring",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(unscored_leads_mark, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("needs_scoring", True)),
                fields=["id"],
                name="lead_needs_scoring",
            ),
        ),
    ]
