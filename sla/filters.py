"""Filters of the sla API."""

from __future__ import annotations

import django_filters

from sla.models import Clock, ClockKind, ClockStatus


class ClockFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ClockKind.choices)
    status = django_filters.ChoiceFilter(choices=ClockStatus.choices)
    breached = django_filters.BooleanFilter(
        field_name="breached_at", lookup_expr="isnull", exclude=True,
        label="Only the clocks that were breached (true) or never were (false).",
    )  # fmt: skip
    lead = django_filters.NumberFilter(field_name="lead_id")
    owner = django_filters.NumberFilter(field_name="owner_id")

    class Meta:
        model = Clock
        fields = ["kind", "status", "breached", "lead", "owner"]
