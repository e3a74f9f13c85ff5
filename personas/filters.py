"""Filters of the personas API."""

from __future__ import annotations

import django_filters

from personas.models import InsightStatus, PersonaInsight


class InsightFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InsightStatus.choices)

    class Meta:
        model = PersonaInsight
        fields = ["status"]
