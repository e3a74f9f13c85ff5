"""A fresh install starts with a sensible definition of an MQL and of an SQL, both active.

The defaults are written here as they were on the day, not through the service, so that this
migration keeps doing the same thing whatever the service becomes."""

from django.db import migrations

CHECKLIST = ["budget", "authority", "need", "timeline"]


def create_default_criteria(apps, schema_editor):
    criteria = apps.get_model("leads", "QualificationCriteria")
    if not criteria.objects.filter(kind="mql").exists():
        criteria.objects.create(
            kind="mql",
            name="Standard MQL",
            is_active=True,
            match="any",
            min_total=60,
            event_type="demo_request",
            event_within_days=30,
            sql_checklist=CHECKLIST,
        )
    if not criteria.objects.filter(kind="sql").exists():
        criteria.objects.create(kind="sql", name="BANT", is_active=True, sql_checklist=CHECKLIST)


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_scoring_runs_qualification_history")]

    operations = [migrations.RunPython(create_default_criteria, migrations.RunPython.noop)]
