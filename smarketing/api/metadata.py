"""What ``OPTIONS`` answers on an API URL."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.metadata import SimpleMetadata


class SchemaMetadata(SimpleMetadata):
    """The view's name, description and media types, and where its fields are described.

    DRF's default also lists each write's fields from a ``serializer_class``; the API's views
    name their input and output serializers per operation instead, and the OpenAPI schema
    already describes every field, so ``OPTIONS`` points there rather than saying it twice."""

    def determine_metadata(self, request, view) -> dict:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": request.build_absolute_uri(reverse("api:schema")),
        }
