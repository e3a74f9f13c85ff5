"""Qualification criteria become versions like scoring models (draft, scheduled, active,
archived, numbered within their kind), and both may be scheduled for a moment.

An active set becomes the active version, in force since it was created (the only moment
known); the others become drafts, since nothing tells whether they were ever in force. Each
kind's sets are numbered in the order they were created."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def criteria_versions_from_flags(apps, schema_editor):
    database = schema_editor.connection.alias
    criteria = apps.get_model("leads", "QualificationCriteria").objects.using(database)
    numbers: dict[str, int] = {}
    for row in criteria.order_by("kind", "created_at", "pk"):
        numbers[row.kind] = numbers.get(row.kind, 0) + 1
        row.version = numbers[row.kind]
        if row.is_active:
            row.status, row.activated_at = "active", row.created_at
        row.save(using=database, update_fields=["version", "status", "activated_at"])


def criteria_flags_from_versions(apps, schema_editor):
    database = schema_editor.connection.alias
    criteria = apps.get_model("leads", "QualificationCriteria").objects.using(database)
    criteria.filter(status="active").update(is_active=True)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0019_lead_city_status_import_job_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="qualificationcriteria",
            options={
                "ordering": ["kind", "-version"],
                "verbose_name_plural": "qualification criteria",
            },
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="activate_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When a scheduled version is to be activated (or was, once active).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="activated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="activated_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("scheduled", "Scheduled"),
                    ("active", "Active"),
                    ("archived", "Archived"),
                ],
                default="draft",
                editable=False,
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="qualificationcriteria",
            name="version",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Numbered within its kind."
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="scoringmodel",
            name="activate_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When a scheduled version is to be activated (or was, once active).",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="scoringmodel",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("scheduled", "Scheduled"),
                    ("active", "Active"),
                    ("archived", "Archived"),
                ],
                default="draft",
                editable=False,
                max_length=10,
            ),
        ),
        migrations.RunPython(criteria_versions_from_flags, criteria_flags_from_versions),
        migrations.RemoveConstraint(
            model_name="qualificationcriteria",
            name="qualification_one_active_per_kind",
        ),
        migrations.RemoveField(
            model_name="qualificationcriteria",
            name="is_active",
        ),
        migrations.AddConstraint(
            model_name="qualificationcriteria",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "active")),
                fields=("kind",),
                name="qualification_one_active",
            ),
        ),
        migrations.AddConstraint(
            model_name="qualificationcriteria",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "scheduled"), _negated=True),
                    ("activate_at__isnull", False),
                    _connector="OR",
                ),
                name="qualification_scheduled_has_moment",
            ),
        ),
        migrations.AddConstraint(
            model_name="qualificationcriteria",
            constraint=models.UniqueConstraint(
                fields=("kind", "version"), name="qualification_version_per_kind"
            ),
        ),
        migrations.AddConstraint(
            model_name="scoringmodel",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "scheduled"), _negated=True),
                    ("activate_at__isnull", False),
                    _connector="OR",
                ),
                name="scoring_model_scheduled_has_moment",
            ),
        ),
    ]
