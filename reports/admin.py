"""Django admin of the reports app: the meetings' records and action items, to read; they are
kept on the meeting screen, through ``reports.services``."""

from __future__ import annotations

from django.contrib import admin, messages

from reports.models import (
    ActionItem,
    DigestOptOut,
    DigestSend,
    Meeting,
    ThemeSnapshot,
    WeekSnapshot,
)
from reports.snapshots import snapshot_rebuild
from reports.themes import theme_read_again


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["text", "owner", "due_on", "done_at", "done_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ["week_of", "created_by", "updated_at"]
    readonly_fields = ["week_of", "attendees", "notes", "decisions", "created_by", "created_at"]
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnly):
    list_display = ["text", "owner", "due_on", "meeting", "done_at"]
    list_filter = ["done_at", "owner"]
    list_select_related = ["owner", "meeting"]
    search_fields = ["text"]


@admin.register(DigestSend)
class DigestSendAdmin(ReadOnly):
    """Who got which week's digest, and why a send failed (it is tried again on Monday)."""

    list_display = ["week_of", "user", "sent_at", "attempts", "last_error"]
    list_filter = ["week_of", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]


@admin.register(DigestOptOut)
class DigestOptOutAdmin(ReadOnly):
    """Who asked not to get the digest; each user opts in again from the digest page."""

    list_display = ["user", "at"]
    list_select_related = ["user"]


@admin.register(WeekSnapshot)
class WeekSnapshotAdmin(ReadOnly):
    """The frozen weeks: read-only, rebuilt only by the action, which records who and when."""

    list_display = ["week_of", "frozen_at", "rebuilt_at", "rebuilt_by", "rebuilds"]
    readonly_fields = ["week_of", "figures", "frozen_at", "rebuilt_at", "rebuilt_by", "rebuilds"]
    list_select_related = ["rebuilt_by"]
    actions = ["rebuild"]

    @admin.action(description="Rebuild the selected weeks' figures from their history")
    def rebuild(self, request, queryset) -> None:
        rebuilt = [snapshot_rebuild(snapshot=s, actor=request.user) for s in queryset]
        self.message_user(
            request,
            f"Rebuilt the figures of {len(rebuilt)} week{'s' if len(rebuilt) != 1 else ''}; "
            "each is recorded as rebuilt by you.",
            messages.SUCCESS,
        )


@admin.register(ThemeSnapshot)
class ThemeSnapshotAdmin(ReadOnly):
    """The meetings' frozen themes: read-only, read again only by the action (or the button on
    the meeting screen), which records who and when."""

    list_display = ["week_of", "theme", "frozen_at", "refreshed_at", "refreshed_by", "refreshes"]
    list_filter = ["theme"]
    exclude = ["html"]
    readonly_fields = ["week_of", "theme", "frozen_at", "refreshed_at", "refreshed_by",
                       "refreshes"]  # fmt: skip
    list_select_related = ["refreshed_by"]
    actions = ["read_again"]

    @admin.action(description="Read the selected meetings' themes again from their history")
    def read_again(self, request, queryset) -> None:
        weeks = [s.week_of for s in queryset]
        for week_of in weeks:
            theme_read_again(week_of=week_of, actor=request.user)
        self.message_user(
            request,
            f"Read the theme of {len(weeks)} meeting{'s' if len(weeks) != 1 else ''} again; "
            "each is recorded as read again by you.",
            messages.SUCCESS,
        )
