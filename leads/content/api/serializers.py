"""API serializers of content sent to leads and its ratings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from journeys.models import ContentAsset
from leads.content.models import RATING_NOTE_MAX_LENGTH, ContentRating, ContentSend
from leads.content.services import SEND_NOTE_MAX_LENGTH


class ContentRatingOutputSerializer(serializers.ModelSerializer):
    by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ContentRating
        fields = ["useful", "note", "by", "at"]


class ContentSendOutputSerializer(serializers.ModelSerializer):
    asset = serializers.PrimaryKeyRelatedField(read_only=True)
    asset_title = serializers.CharField(source="asset.title", read_only=True)
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    touch = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    rating = serializers.SerializerMethodField()

    class Meta:
        model = ContentSend
        fields = [
            "id",
            "asset",
            "asset_title",
            "lead",
            "by",
            "at",
            "stage_at_send",
            "touch",
            "rating",
        ]

    @extend_schema_field(ContentRatingOutputSerializer(allow_null=True))
    def get_rating(self, send: ContentSend) -> dict | None:
        rating = getattr(send, "rating", None)
        return ContentRatingOutputSerializer(rating).data if rating else None


class ContentSendInputSerializer(serializers.Serializer):
    asset = serializers.PrimaryKeyRelatedField(
        queryset=ContentAsset.objects.all(), help_text="A live asset's id."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=SEND_NOTE_MAX_LENGTH)


class ContentRatingInputSerializer(serializers.Serializer):
    useful = serializers.BooleanField()
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=RATING_NOTE_MAX_LENGTH
    )


class SuggestionOutputSerializer(serializers.Serializer):
    asset = serializers.IntegerField(source="asset.pk")
    title = serializers.CharField(source="asset.title")
    kind = serializers.CharField(source="asset.kind")
    reason = serializers.CharField()
    last_sent_at = serializers.DateTimeField(source="send.at", allow_null=True, default=None)
