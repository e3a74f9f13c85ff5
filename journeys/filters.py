"""The content library's filters, for its page and its API: one FilterSet, so a filtered list
means the same thing in both and its URL can be shared."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from journeys.models import ContentAsset, ContentKind, ContentStatus, JourneyStage
from personas.models import Persona


class ContentAssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    kind = django_filters.ChoiceFilter(choices=ContentKind.choices)
    stage = django_filters.ModelChoiceFilter(
        field_name="stages", to_field_name="key", queryset=JourneyStage.objects.all(),
        label="Journey stage",
    )  # fmt: skip
    persona = django_filters.ModelChoiceFilter(
        field_name="personas", queryset=Persona.objects.order_by("name")
    )
    status = django_filters.ChoiceFilter(choices=ContentStatus.choices)

    class Meta:
        model = ContentAsset
        fields = ["q", "kind", "stage", "persona", "status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))
