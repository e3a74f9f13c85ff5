"""API shapes of the glossary: a term as the page shows it, and what an admin writes."""

from __future__ import annotations

from rest_framework import serializers

from leads.glossary.models import Generated


class SourceSerializer(serializers.Serializer):
    what = serializers.CharField(read_only=True, help_text="e.g. MQL criteria “Standard MQL”.")
    version = serializers.IntegerField(read_only=True)
    in_force_since = serializers.DateTimeField(read_only=True, allow_null=True, source="since")
    url = serializers.CharField(read_only=True, help_text="Where every role reads it.")


class TermOutputSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    stands_for = serializers.CharField(read_only=True)
    short_definition = serializers.CharField(read_only=True)
    definition = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    generated = serializers.BooleanField(
        read_only=True,
        help_text="Generated from the definitions in force: only the note can be changed.",
    )
    generated_from = serializers.ChoiceField(
        choices=[("", "Written by hand"), *Generated.choices],
        read_only=True,
        source="term.generated_from",
    )
    source = SourceSerializer(
        read_only=True,
        allow_null=True,
        help_text="The definition in force it is generated from (null: written, or nothing of "
        "its kind is in force).",
    )
    url = serializers.SerializerMethodField(help_text="Its anchor on the glossary page.")
    updated_at = serializers.DateTimeField(read_only=True, source="term.updated_at")

    def get_url(self, entry) -> str:
        return entry.term.get_absolute_url()


class TermInputSerializer(serializers.Serializer):
    """Checked again by the service (unique slug and name, a sentence for a written term)."""

    slug = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=80)
    stands_for = serializers.CharField(max_length=120, required=False, allow_blank=True)
    short_definition = serializers.CharField(max_length=240)
    definition = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
