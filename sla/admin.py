"""Django admin of the sla app: the teams with their members and days off (saved through
``sla.services.team_save``), and the agreement's versions, read-only: they are drafted and
signed on the SLA page, through the same services as the API; the webhooks told of breaches,
and their deliveries, read-only, with a retry."""

from __future__ import annotations

from django.contrib import admin, messages

from sla.alerts import deliveries_retry
from sla.models import (
    Agreement,
    DayOff,
    RoutingRule,
    Signoff,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)
from sla.services import ROUTING_RULE_FIELDS, routing_rule_save, team_save, unassigned_mqls_route
from sla.tasks import webhooks_deliver_task
from smarketing.queueing import task_send_on_commit


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "weight", "away_until", "max_open_mqls"]


class DayOffInline(admin.TabularInline):
    model = DayOff
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "function", "manager", "time_zone", "holiday_country"]
    list_select_related = ["manager"]
    inlines = [TeamMemberInline, DayOffInline]

    def save_model(self, request, obj, form, change) -> None:
        fields = [name for name in form.cleaned_data if name in {f.name for f in Team._meta.fields}]
        saved = team_save(team=obj, data={name: form.cleaned_data[name] for name in fields})
        obj.pk = saved.pk


class SignoffInline(admin.TabularInline):
    model = Signoff
    extra = 0
    readonly_fields = ["function", "user", "at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["version", "effective_from", "signed_at", "mqls_per_month", "first_touch_hours"]
    readonly_fields = [field.name for field in Agreement._meta.fields]
    inlines = [SignoffInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Routing rules, saved through ``sla.services.routing_rule_save``; the action routes the
    MQLs nobody owns yet."""

    list_display = ["name", "position", "active", "team", "weighted", "countries"]
    list_editable = ["position", "active"]
    list_select_related = ["team"]
    filter_horizontal = ["personas"]
    actions = ["route_unassigned"]

    def save_model(self, request, obj, form, change) -> None:
        data = {
            name: form.cleaned_data[name]
            for name in ROUTING_RULE_FIELDS
            if name in form.cleaned_data
        }
        personas = form.cleaned_data.get("personas")
        saved = routing_rule_save(rule=obj, data=data, personas=personas)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change) -> None:
        for formset in formsets:  # the personas were set by the service
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Route the MQLs nobody owns now")
    def route_unassigned(self, request, queryset) -> None:
        routed = unassigned_mqls_route()
        self.message_user(
            request,
            f"{routed.assigned} MQLs routed; {routed.unmatched} matched no rule and "
            f"{routed.no_rep} found no rep free, and stay unassigned.",
            messages.SUCCESS,
        )


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "created_at"]
    list_editable = ["active"]
    readonly_fields = ["created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """What was sent to each webhook, and what it answered; failed ones can be sent again."""

    list_display = [
        "created_at", "webhook", "event", "key", "status", "attempts", "response_status",
        "next_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", "webhook", "event"]
    list_select_related = ["webhook"]
    search_fields = ["key"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send the selected deliveries again")
    def retry(self, request, queryset) -> None:
        retried = deliveries_retry(queryset)
        task_send_on_commit(webhooks_deliver_task)
        self.message_user(
            request,
            f"{retried} {'delivery' if retried == 1 else 'deliveries'} will be sent again; "
            "those sent already were left alone.",
            messages.SUCCESS,
        )
