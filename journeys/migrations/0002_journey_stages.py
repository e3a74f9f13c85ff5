from django.db import migrations

STAGES = [
    ("awareness", "Awareness", "The buyer recognises a problem or an opportunity."),
    ("consideration", "Consideration", "The buyer weighs the ways to solve it."),
    ("decision", "Decision", "The buyer chooses a solution and a vendor."),
    ("purchase", "Purchase", "The buyer signs and starts using the product."),
    ("retention", "Retention", "The customer renews, grows and recommends."),
]


def create_stages(apps, schema_editor):
    JourneyStage = apps.get_model("journeys", "JourneyStage")
    for position, (key, name, description) in enumerate(STAGES, start=1):
        JourneyStage.objects.update_or_create(
            key=key, defaults={"name": name, "position": position, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("journeys", "0001_journey_stage")]
    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
