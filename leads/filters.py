"""The lead filters of the board, the list and the API: one FilterSet, so a filtered view
means the same thing everywhere and its URL can be shared."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from leads.models import Campaign, Channel, Lead, Stage, Temperature
from leads.permissions import owner_candidates
from leads.selectors import sorts

UNASSIGNED = "none"


class StagesField(django_filters.fields.MultipleChoiceField):
    """Stages, one or several; an empty value (the "Any" of the list's stage menu) picks none."""

    def to_python(self, value) -> list[str]:
        return [stage for stage in super().to_python(value) if stage != ""]


class StageFilter(django_filters.MultipleChoiceFilter):
    field_class = StagesField


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    stage = StageFilter(choices=Stage.choices)
    owner = django_filters.CharFilter(method="filter_owner", label="Owner")
    source = django_filters.ChoiceFilter(
        field_name="original_channel", choices=Channel.choices, label="Source"
    )
    campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.order_by("name"))
    temperature = django_filters.ChoiceFilter(
        choices=Temperature.choices, method="filter_temperature"
    )
    created_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    company = django_filters.NumberFilter(field_name="company_id", widget=forms.HiddenInput)

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "campaign", "temperature"):
            field = self.form.fields[name]
            field.widget.attrs["class"] = "form-select form-select-sm"
            field.empty_label = "Any"
            if hasattr(field, "choices") and name != "campaign":
                field.choices = [("", "Any"), *[c for c in field.choices if c[0] != ""]]

    def filter_search(self, queryset, name, value):
        words = value.lower().split()
        condition = Q()
        for word in words[:5]:
            condition &= Q(search__text__contains=word)
        return queryset.filter(condition)

    def filter_temperature(self, queryset, name, value):
        # A range of one value: the score order then leads with it (see ``selectors.sorts``).
        return queryset.filter(temperature__range=(value, value))

    def filter_owner(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(owner__isnull=True)
        if value == "me":
            return queryset.filter(owner=self.request.user) if self.request else queryset.none()
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(owner_id=int(value))

    @property
    def sorts(self) -> dict[str, tuple[str, ...]]:
        """The orders of the board and the list under these (validated) filters."""
        return sorts(temperature=self.form.cleaned_data.get("temperature"))

    @property
    def is_active(self) -> bool:
        """Whether any filter narrows the leads (the board then counts instead of caching)."""
        return any(value not in (None, "", []) for name, value in self.form.cleaned_data.items())

    @property
    def stages_alone(self) -> list[str] | None:
        """The stages filtered when the stage is the only filter (the list then counts from
        the cached stage counts), else None."""
        data = self.form.cleaned_data
        active = {name for name, value in data.items() if value not in (None, "", [])}
        return list(data["stage"]) if active == {"stage"} else None

    @staticmethod
    def owner_choices() -> list[tuple[str, str]]:
        return [("me", "Me"), (UNASSIGNED, "Unassigned")] + [
            (str(user.pk), user.get_full_name() or user.username)
            for user in owner_candidates().order_by("first_name", "username")
        ]
