"""The events' index by lead and time carries the type and the properties the rules read.

On PostgreSQL the new index is built beside the old one and swapped in, both concurrently, so
events are written throughout; elsewhere the index is simply replaced.
"""

from django.db import migrations, models

OLD = models.Index(fields=["lead", "occurred_at"], name="event_lead_time")
NEW = models.Index(
    fields=["lead", "occurred_at"], include=["type", "properties"], name="event_lead_time"
)


def covering(apps, schema_editor):
    Event = apps.get_model("leads", "Event")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(Event, OLD)
        schema_editor.add_index(Event, NEW)
        return
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS event_lead_time_new")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY event_lead_time_new ON leads_event (lead_id, occurred_at) "
        "INCLUDE (type, properties)"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY event_lead_time")
    schema_editor.execute("ALTER INDEX event_lead_time_new RENAME TO event_lead_time")


def plain(apps, schema_editor):
    Event = apps.get_model("leads", "Event")
    schema_editor.remove_index(Event, NEW)
    schema_editor.add_index(Event, OLD)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("leads", "0017_score_history_lead_unchecked")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(covering, plain)],
            state_operations=[
                migrations.RemoveIndex(model_name="event", name="event_lead_time"),
                migrations.AddIndex(model_name="event", index=NEW),
            ],
        )
    ]
