"""Django admin of the leads app, for revenue ops. Stage changes go through the lifecycle."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.utils.translation import ngettext

from leads.models import (
    Campaign,
    Company,
    Event,
    Lead,
    Note,
    PrivacyRequest,
    RejectionReason,
    StageTransition,
    Touch,
)
from leads.privacy import consent_stamp
from leads.services import company_save, leads_recycle


class ReadOnlyAdmin(admin.ModelAdmin):
    """History rows (events, transitions) are appended by the portal and never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "industry", "size_band", "country"]
    search_fields = ["name", "domain"]
    list_filter = ["size_band", "annual_revenue_band"]

    def save_model(self, request, obj, form, change) -> None:
        company_save(obj)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "starts_on", "ends_on", "budget"]
    list_filter = ["channel"]
    search_fields = ["name"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "company", "stage", "total_score", "owner"]
    list_filter = ["stage", "temperature", "original_channel"]
    search_fields = ["email", "last_name"]
    list_select_related = ["company", "owner"]
    autocomplete_fields = ["company"]
    raw_id_fields = ["owner", "campaign"]
    show_full_result_count = False  # An exact count of a million leads on every page is slow.
    readonly_fields = [
        "stage", "stage_changed_at", "fit_score", "engagement_score", "total_score",
        "temperature", "grade", "scored_at", "consent_source", "consent_at", "erased_at",
        "created_at", "updated_at",
    ]  # fmt: skip

    def has_change_permission(self, request, obj=None) -> bool:
        """A lead whose personal data was erased takes no further change."""
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if "consent" in form.changed_data:
            fields = {"consent": obj.consent}
            consent_stamp(
                fields, current=form.initial.get("consent") if change else None,
                source=f"Admin, by {request.user.get_username()}",
            )  # fmt: skip
            for name, value in fields.items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)

    def get_actions(self, request):
        """Besides the defaults, "Recycle selected leads: <reason>" for each active reason code."""
        actions = super().get_actions(request)
        for reason in RejectionReason.objects.filter(active=True):
            name = f"recycle_{reason.code}"
            description = f"Recycle selected leads: {reason.label}"
            actions[name] = (partial(LeadAdmin._recycle, reason=reason), name, description)
        return actions

    def _recycle(self, request, queryset, *, reason: RejectionReason) -> None:
        moved, refusals = leads_recycle(
            leads=queryset,
            actor=request.user,
            rejection_reason=reason,
            reason="Recycled by revenue ops",
        )
        self.message_user(
            request, ngettext("%d lead recycled.", "%d leads recycled.", moved) % moved
        )
        for refusal in refusals[:10]:
            self.message_user(request, refusal, messages.WARNING)


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    """The reason codes reps choose from. One in use cannot be deleted: retire it instead."""

    list_display = ["label", "code", "active", "note_required", "position"]
    list_editable = ["active", "position"]
    prepopulated_fields = {"code": ["label"]}


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["lead", "type", "occurred_at", "channel"]
    list_filter = ["type"]
    raw_id_fields = ["lead"]
    show_full_result_count = False


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdmin):
    list_display = ["lead", "from_stage", "to_stage", "at", "actor", "rule", "rejection_reason"]
    list_filter = ["to_stage", "rejection_reason"]
    raw_id_fields = ["lead"]
    show_full_result_count = False


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ["lead", "kind", "outcome", "at", "by"]
    raw_id_fields = ["lead", "by"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["lead", "author", "created_at"]
    raw_id_fields = ["lead", "author"]


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    """The exports and erasures carried out on people's requests: a record, never edited."""

    list_display = ["kind", "lead_id", "at", "actor", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "=lead_id", "=email_digest"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


import leads.glossary.admin  # noqa: E402, F401 - the glossary, in the same admin site
import leads.scoring.admin  # noqa: E402, F401 - the scoring models, in the same admin site
