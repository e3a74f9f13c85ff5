"""Reason codes for sales' rejections, and the list both teams start from (admins edit it).

The list is written here as it was on the day, so this migration keeps doing the same thing
whatever the model becomes; a code already there is left as it is."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# code, label, when to choose it, note required
REASONS = [
    ("no-budget", "No budget", "They cannot pay for it in the time that matters.", False),
    ("wrong-persona", "Wrong persona", "Not the kind of buyer we sell to.", False),
    ("not-decision-maker", "Not a decision maker", "Neither decides nor influences the purchase.",
     False),
    ("bad-contact-data", "Bad contact data", "The e-mail bounces, the number is wrong or fake.",
     False),
    ("existing-customer", "Existing customer", "Already buys from us: for account management.",
     False),
    ("competitor", "Competitor", "Works for a competitor.", False),
    ("no-response", "No response", "No answer after the touches the SLA asks for.", False),
    ("other", "Other", "None of these: say why in the note.", True),
]  # fmt: skip


def reasons_seed(apps, schema_editor):
    RejectionReason = apps.get_model("leads", "RejectionReason")
    for position, (code, label, description, note_required) in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "description": description,
                "note_required": note_required,
                "position": position * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0027_content_sends"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RejectionReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=40, unique=True)),
                ("label", models.CharField(max_length=80, unique=True)),
                (
                    "description",
                    models.CharField(
                        blank=True,
                        help_text="When a rep should choose it, in a sentence.",
                        max_length=200,
                    ),
                ),
                (
                    "note_required",
                    models.BooleanField(
                        default=False, help_text="The rep must say more in a note (for “Other”)."
                    ),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True, help_text="Offered to reps when they reject."
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, help_text="Its place in the list."),
                ),
            ],
            options={
                "ordering": ["position", "label"],
            },
        ),
        migrations.AddField(
            model_name="stagetransition",
            name="rejection_reason",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transitions",
                to="leads.rejectionreason",
            ),
        ),
        migrations.AddIndex(
            model_name="stagetransition",
            index=models.Index(
                condition=models.Q(("rejection_reason__isnull", False)),
                fields=["rejection_reason", "at"],
                name="transition_rejection_time",
            ),
        ),
        migrations.RunPython(reasons_seed, migrations.RunPython.noop),
    ]
