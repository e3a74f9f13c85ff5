"""API serializers of the journeys app: explicit input and output shapes."""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from journeys.models import (
    QUESTION_MAX_LENGTH,
    ContentAsset,
    ContentKind,
    ContentStatus,
    JourneyQuestion,
    JourneyStage,
)
from personas.models import Persona


class JourneyMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    lifecycle_stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    event_window_days = serializers.IntegerField(read_only=True)


class JourneyMappingInputSerializer(serializers.Serializer):
    lifecycle_stages = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=20,
        help_text="Lifecycle stage keys that place a lead in this stage (mql, customer, …).",
    )
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=40,
        help_text="Event type keys that place a lead in this stage (demo_request, …).",
    )
    event_window_days = serializers.IntegerField(
        min_value=1, max_value=3650, help_text="How recent an event must be, in days."
    )


class JourneyQuestionOutputSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = JourneyQuestion
        fields = ["id", "stage", "position", "text"]


class JourneyQuestionInputSerializer(serializers.Serializer):
    stage = serializers.SlugRelatedField(
        slug_field="key", queryset=JourneyStage.objects.all(), help_text="The stage's key."
    )
    position = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, help_text="Its place; last by default."
    )
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH)


class JourneyStageOutputSerializer(serializers.ModelSerializer):
    questions = JourneyQuestionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = JourneyStage
        fields = ["id", "key", "name", "position", "description", "questions"]


class ContentAssetOutputSerializer(serializers.ModelSerializer):
    stages = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)
    personas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    file = serializers.SerializerMethodField()
    owner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ContentAsset
        fields = [
            "id", "title", "summary", "kind", "status", "stages", "personas", "link", "file",
            "file_name", "file_type", "file_size", "owner", "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(
        {"type": "string", "format": "uri", "nullable": True,
         "description": "Where logged-in users download the file; null for a link."}
    )  # fmt: skip
    def get_file(self, asset: ContentAsset) -> str | None:
        if not asset.file:
            return None
        request = self.context.get("request")
        url = asset.open_url
        return request.build_absolute_uri(url) if request else url


class ContentAssetInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    kind = serializers.ChoiceField(choices=ContentKind.choices)
    status = serializers.ChoiceField(choices=ContentStatus.choices, required=False)
    stages = serializers.SlugRelatedField(
        slug_field="key", queryset=JourneyStage.objects.all(), many=True, required=False,
        help_text="Journey stage keys; none: for every stage.",
    )  # fmt: skip
    personas = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.all(), many=True, required=False,
        help_text="Persona ids; none: for every persona.",
    )  # fmt: skip
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    file = serializers.FileField(
        required=False,
        help_text="Sent as multipart/form-data. Checked by its content: PDF, Office and "
        "OpenDocument files, RTF, PNG, JPEG, GIF, WebP, text or Markdown, up to the size the "
        "portal allows.",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False, allow_null=True,
    )  # fmt: skip
