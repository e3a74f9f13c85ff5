"""Pages of the reports app: the closed-loop reports, and the weekly meeting screen with its
record. Every role reads them and keeps the meeting's record; the writes go through
``reports.services``."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from reports import meeting as selectors
from reports.digest import (
    digest_content,
    digest_context,
    digest_subscribed,
    digest_subscription_set,
)
from reports.forms import ActionItemForm, MeetingRecordForm, ReportForm, report_read
from reports.models import ActionItem, Theme
from reports.selectors import REPORTS, Report
from reports.services import (
    action_item_add,
    action_item_mark,
    meeting_for_week,
    meeting_record_save,
    week_start,
)
from reports.tables import Table
from reports.themes import theme_context, theme_read_again, theme_shown
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MANAGER_ROLES, Role, user_roles

# Who may read a frozen theme again: those who run the meeting.
THEME_ROLES = MANAGER_ROLES | {Role.ADMIN}


def _csv(report: Report, form: ReportForm, tables: list[Table], name: str) -> HttpResponse:
    table = next((table for table in tables if table.name == name), None)
    if table is None:
        raise Http404("No such table in this report.")
    period = form.period()
    filename = (
        f"smarketing-{report.name}-{table.name}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
    )
    answer = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


@role_required(ALL_ROLES)
@require_GET
def report(request: AuthenticatedHttpRequest, name: str = "funnel") -> HttpResponse:
    """One report: its period, filters and options, then each table under its chart, with
    a CSV of each (``?format=csv&table=…``)."""
    chosen = REPORTS.get(name)
    if chosen is None:
        raise Http404("No such report.")
    form, tables = report_read(chosen, request.GET)
    if request.GET.get("format") == "csv" and form.is_valid():
        return _csv(chosen, form, tables, request.GET.get("table", ""))
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    context = {
        "report": chosen,
        "reports": REPORTS.values(),
        "form": form,
        "tables": tables,
        "period": form.period() if form.is_valid() else None,
        "query": query.urlencode(),
    }
    return render(request, "reports/report.html", context, status=200 if form.is_valid() else 400)


def _week(text: str | None) -> date:
    if text is None:
        return week_start(timezone.localdate())
    try:
        return week_start(date.fromisoformat(text))
    except ValueError as error:
        raise Http404("No such week.") from error


def _record_context(meeting, *, record_form=None, item_form=None) -> dict:
    return {
        "meeting": meeting,
        "items": selectors.action_items(meeting),
        "record_form": record_form or MeetingRecordForm(instance=meeting if meeting.pk else None),
        "item_form": item_form or ActionItemForm(),
    }


def _meeting_context(request, monday: date, **forms) -> dict:
    shown = selectors.meeting_shown(monday)
    numbers = selectors.week_numbers(monday)
    theme = shown.theme
    frozen = theme_shown(monday)
    return {
        **_record_context(shown, **forms),
        "numbers": numbers,
        "feedback": selectors.week_feedback(numbers.review),
        "theme": theme,
        "theme_label": Theme(theme).label,
        "theme_frozen": frozen,
        **({} if frozen else theme_context(monday)),
        "theme_refreshable": bool(user_roles(request.user) & THEME_ROLES),
        "earlier": selectors.meetings_before(shown),
        "this_week": week_start(timezone.localdate()),
    }


@role_required(ALL_ROLES)
@require_GET
def meeting(request: AuthenticatedHttpRequest, week: str | None = None) -> HttpResponse:
    """The meeting screen of a week (this one unless named): the numbers, the feedback, the
    theme of the week and the record, one section a screen."""
    return render(request, "reports/meeting.html", _meeting_context(request, _week(week)))


def _record_answer(request, meeting, **forms) -> HttpResponse:
    """The record again: its part for htmx, else back to the screen (with the errors, if
    any, on the whole page)."""
    status = 400 if any(form.errors for form in forms.values()) else 200
    if request.htmx:
        return render(request, "reports/_record.html", _record_context(meeting, **forms),
                      status=status)  # fmt: skip
    if status == 200:
        url = reverse("reports:meeting_week", args=[meeting.week_of.isoformat()])
        return redirect(url + "#record")
    context = _meeting_context(request, meeting.week_of, **forms)
    return render(request, "reports/meeting.html", context, status=status)


@role_required(ALL_ROLES)
@require_POST
def meeting_record(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    shown = meeting_for_week(week_of=_week(week), actor=request.user)
    form = MeetingRecordForm(request.POST, instance=shown)
    if form.is_valid():
        try:
            shown = meeting_record_save(
                meeting=shown, data=form.cleaned_data, attendees=form.cleaned_data["attendees"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The meeting's record is kept.")
            return _record_answer(request, shown)
    return _record_answer(request, shown, record_form=form)


@role_required(ALL_ROLES)
@require_POST
def action_add(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    shown = meeting_for_week(week_of=_week(week), actor=request.user)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            action_item_add(meeting=shown, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _record_answer(request, shown)
    return _record_answer(request, shown, item_form=form)


@role_required(ALL_ROLES)
@require_POST
def action_mark(request: AuthenticatedHttpRequest, week: str, pk: int) -> HttpResponse:
    """Mark an item done or open again, from the meeting of ``week`` (which shows it)."""
    item = get_object_or_404(ActionItem, pk=pk)
    action_item_mark(item=item, done=request.POST.get("done") == "1", actor=request.user)
    return _record_answer(request, selectors.meeting_shown(_week(week)))


@role_required(THEME_ROLES)
@require_POST
def theme_refresh(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    """Read the week's theme again now, for a manager or an admin; kept as the theme shown."""
    monday = _week(week)
    if theme_read_again(week_of=monday, actor=request.user) is None:
        messages.error(request, "That meeting's week has not begun: its theme is read live.")
    else:
        messages.success(request, "The theme was read again from the history as it is now.")
    return redirect(reverse("reports:meeting_week", args=[monday.isoformat()]) + "#theme")


@role_required(ALL_ROLES)
@require_GET
def digest(request: AuthenticatedHttpRequest) -> HttpResponse:
    """This week's digest e-mail as the user receives it, and their choice to receive it."""
    content = digest_content(week_start(timezone.localdate()))
    context = {
        **digest_context(content, request.user),
        "subscribed": digest_subscribed(request.user),
    }
    return render(request, "reports/digest.html", context)


@role_required(ALL_ROLES)
@require_POST
def digest_subscription(request: AuthenticatedHttpRequest) -> HttpResponse:
    subscribed = digest_subscription_set(
        user=request.user, subscribed=request.POST.get("subscribed") == "1"
    )
    if subscribed:
        messages.success(request, "You will receive the weekly digest again, each Monday.")
    else:
        messages.success(request, "You will no longer receive the weekly digest.")
    return redirect("reports:digest")
