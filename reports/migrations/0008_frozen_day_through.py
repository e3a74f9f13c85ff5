from datetime import datetime, time, timedelta

from django.db import migrations, models
from django.utils import timezone


def through_next_midnight(apps, schema_editor):
    """The days frozen so far were frozen whole, once over: up to their next midnight."""
    FrozenDay = apps.get_model("reports", "FrozenDay")
    for frozen in FrozenDay.objects.using(schema_editor.connection.alias).all():
        next_day = datetime.combine(frozen.day + timedelta(days=1), time.min)
        frozen.through = timezone.make_aware(next_day)
        frozen.save(update_fields=["through"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_credit_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="frozenday",
            name="through",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(through_next_midnight, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="frozenday",
            name="through",
            field=models.DateTimeField(help_text="The moves before this instant are in the rows"),
        ),
    ]
