"""Pages of the leads app: the shared pipeline board, the lead list, the lead and company
pages, and a rep's queue. Every stage change goes through ``leads.lifecycle``; every other change
of a lead is judged by ``leads.permissions``, through ``selectors.lead_get_for_user``."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from leads import selectors
from leads.filters import LeadFilter
from leads.forms import (
    BulkActionForm,
    LeadMatchingForm,
    MoveForm,
    NoteForm,
    PrivacyEraseForm,
    PrivacyExportForm,
    RejectForm,
    SqlChecklistForm,
    TouchForm,
)
from leads.imports.views import import_start
from leads.lifecycle import allowed_targets, lead_move_stage
from leads.models import SIDE_EXITS, Company, Lead, Stage, StageTransition
from leads.permissions import (
    RULES,
    Change,
    change_refusals,
    lead_change_refusal,
    may_recycle_some_leads,
    owner_candidates,
    role_may,
)
from leads.privacy import export_json, lead_erase, lead_export, privacy_requests_of
from leads.scoring.explain import (
    HistoryPoint,
    qualifying_transition,
    score_explanation,
    score_history,
    transition_explanation,
)
from leads.scoring.matching import lead_matching_set
from leads.scoring.qualification import sql_checklist_required
from leads.services import lead_update, leads_assign, leads_recycle, note_add, touch_log
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, SALES_ROLES, Role, user_roles

LIST_PAGE_SIZE = 50


def _lead_filter(request: AuthenticatedHttpRequest, data: QueryDict | None = None) -> LeadFilter:
    lead_filter = LeadFilter(
        data if data is not None else request.GET,
        queryset=selectors.leads_for_cards(),
        request=request,
    )
    lead_filter.form.fields["owner"].widget.choices = LeadFilter.owner_choices()
    return lead_filter


def _filtered_leads(lead_filter: LeadFilter):
    """The filtered leads, or a clear error for filters that do not validate."""
    if not lead_filter.is_valid():
        raise ValidationError(
            [f"{name}: {' '.join(errors)}" for name, errors in lead_filter.errors.items()]
        )
    return lead_filter.qs


def _with_targets(leads: Iterable[Lead], user) -> None:
    """Give each card the stages this user may move it to: its menu offers only those."""
    for lead in leads:
        lead.move_targets = [stage.value for stage in allowed_targets(lead, user)]


@role_required(ALL_ROLES)
@require_GET
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    lead_filter = _lead_filter(request)
    try:
        leads = _filtered_leads(lead_filter)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("leads:board")
    filtered = lead_filter.is_active
    if request.htmx and request.GET.get("counts"):
        counts = selectors.stage_counts(leads, filtered=filtered)
        return render(request, "leads/board.html#counts", {"counts": counts})
    columns = selectors.board_columns(leads, filtered=filtered, orders=lead_filter.sorts)
    _with_targets((lead for column in columns for lead in column.leads), request.user)
    context = {
        "columns": columns,
        "filter": lead_filter,
        "query": request.GET.urlencode(),
        "stage_choices": Stage.choices,
        "rejection_reasons": (
            selectors.rejection_reasons_offered()
            if not request.htmx and may_recycle_some_leads(request.user)
            else []
        ),
    }
    template = "leads/board.html#board" if request.htmx else "leads/board.html"
    return render(request, template, context)


@role_required(ALL_ROLES)
@require_GET
def board_column(request: AuthenticatedHttpRequest, stage: str) -> HttpResponse:
    """The next cards of one column ("load more")."""
    if stage not in Stage.values:
        raise Http404("No such stage.")
    lead_filter = _lead_filter(request)
    try:
        page = selectors.board_column(
            _filtered_leads(lead_filter),
            stage,
            cursor=request.GET.get("cursor"),
            orders=lead_filter.sorts,
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    _with_targets(page.items, request.user)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "leads/board.html#more",
        {
            "stage": stage,
            "label": Stage(stage).label,
            "page": page,
            "leads": page.items,
            "query": query.urlencode(),
        },
    )


def _next_or(request, default: str) -> str:
    """Where a form posted without HTMX goes back to: its ``next`` field if that is a page of
    this site, else ``default``."""
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return back if back and safe else default


def _move_response(request, lead: Lead, from_stage: str, refusal: str | None) -> HttpResponse:
    """Answer a move from the board: the card in its new column, marked as moved, with both
    counts and a message saying so; or the reason it was refused (the page puts a dragged card
    back). Either way the board is told once the page has settled, so it can place the focus."""
    if not request.htmx:
        if refusal:
            messages.error(request, refusal)
        else:
            messages.success(request, f"{lead} moved to {lead.get_stage_display()}.")
        return redirect(_next_or(request, lead.get_absolute_url()))
    filters = QueryDict(request.POST.get("filters", "").lstrip("?"))
    lead_filter = _lead_filter(request, filters)
    if lead_filter.is_valid():
        counts = selectors.stage_counts(lead_filter.qs, filtered=lead_filter.is_active)
        counts = {stage: counts[stage] for stage in (from_stage, lead.stage)}
    else:
        counts = {}  # filters edited by hand: the counts wait for the next refresh
    if refusal is None:
        _with_targets([lead], request.user)
    context = {"lead": lead, "moved": refusal is None, "counts": counts}
    response = render(request, "leads/board.html#moved", context)
    if refusal:
        return trigger_client_event(
            response, "moveRefused", {"lead": lead.pk, "message": refusal}, after="settle"
        )
    message = f"{lead} moved to {lead.get_stage_display()}."
    return trigger_client_event(
        response,
        "leadMoved",
        {"lead": lead.pk, "stage": lead.stage, "message": message},
        after="settle",
    )


@role_required(ALL_ROLES)
@require_POST
def move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    form = MoveForm(request.POST)
    if not form.is_valid():
        refusal = " ".join(message for errors in form.errors.values() for message in errors)
        return _move_response(request, lead, lead.stage, refusal)
    from_stage = lead.stage
    expected = form.cleaned_data["expected_stage"] or lead.stage
    if expected != lead.stage:
        refusal = f"The lead moved to {lead.get_stage_display()} meanwhile; reload and try again."
        return _move_response(request, lead, from_stage, refusal)
    try:
        lead_move_stage(
            lead=lead,
            to_stage=form.cleaned_data["to_stage"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            rejection_reason=form.cleaned_data["rejection_reason"],
        )
    except ValidationError as refusal:
        return _move_response(request, lead, from_stage, " ".join(refusal.messages))
    return _move_response(request, lead, from_stage, None)


@role_required(ALL_ROLES)
def lead_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    lead_filter = _lead_filter(request)
    sort = request.GET.get("sort", "score")
    try:
        leads = _filtered_leads(lead_filter)
        page = selectors.lead_list_page(
            leads,
            sort=sort,
            cursor=request.GET.get("cursor"),
            size=LIST_PAGE_SIZE,
            orders=lead_filter.sorts,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("leads:list")
    query = request.GET.copy()
    query.pop("cursor", None)
    bulk_form = BulkActionForm(user=request.user)
    context = {
        "filter": lead_filter,
        "page": page,
        "sort": sort,
        "sorts": [("score", "Score"), ("created", "Newest"), ("stage_changed", "Stage changed")],
        "total": selectors.lead_list_total(
            leads, filtered=lead_filter.is_active, stages=lead_filter.stages_alone
        ),
        "query": query.urlencode(),
        "bulk_form": bulk_form,
        "selectable": bool(bulk_form.fields["action"].choices),
        "can_import": import_start.access.allows(request.user),
        "first_page": not request.GET.get("cursor"),
    }
    template = "leads/list.html#results" if request.htmx else "leads/list.html"
    return render(request, template, context)


@role_required(ALL_ROLES)
@require_POST
def bulk_action(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BulkActionForm(request.POST, user=request.user)
    back = f"{reverse('leads:list')}?{request.POST.get('query', '')}"
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(back)
    lead_ids = form.cleaned_data["leads"]
    if form.cleaned_data["action"] == BulkActionForm.ASSIGN:
        assigned = leads_assign(
            lead_ids=lead_ids, owner=form.cleaned_data["owner"], actor=request.user
        )
        changed, refusals = assigned.changed, assigned.refusals
        messages.success(request, f"{intcomma(changed)} lead(s) assigned.")
    else:
        leads = Lead.objects.select_related("owner").filter(pk__in=lead_ids)
        changed, refusals = leads_recycle(
            leads=leads,
            actor=request.user,
            rejection_reason=form.cleaned_data["rejection_reason"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{intcomma(changed)} lead(s) recycled.")
    for refusal in refusals[:10]:
        messages.warning(request, refusal)
    if len(refusals) > 10:
        messages.warning(request, f"… and {intcomma(len(refusals) - 10)} more left unchanged.")
    return redirect(back)


def _activity_context(request, lead: Lead, *, touch_form=None, note_form=None) -> dict:
    return {
        "lead": lead,
        "timeline": selectors.lead_timeline(lead),
        "touch_form": touch_form or TouchForm(),
        "note_form": note_form or NoteForm(),
        # What the user's role never does is not offered; what this lead's owner rules out is
        # shown with the reason (``refusals``, by change).
        "can_log_touches": role_may(request.user, Change.TOUCH),
        "refusals": change_refusals(lead, request.user),
    }


def _activity_response(request, lead: Lead, *, failure: str, **forms) -> HttpResponse:
    """After a touch or a note: the refreshed activity column for HTMX (with the form's errors
    when it was refused), or back to the lead page."""
    refused = any(form is not None for form in forms.values())
    if not request.htmx:
        if refused:
            messages.error(request, failure)
        return redirect(lead)
    context = _activity_context(request, lead, **forms)
    return render(request, "leads/detail.html#activity", context)


@role_required(ALL_ROLES)
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_page())
    targets = allowed_targets(lead, request.user)
    context = {
        **_activity_context(request, lead),
        "move_form": MoveForm(initial={"expected_stage": lead.stage}),
        "targets": targets,
        "can_confirm_checklist": role_may(request.user, Change.CHECKLIST),
        # An MQL this user may accept gets sales' decision: accept, or reject with a reason.
        "decides": lead.stage == Stage.MQL and Stage.SAL in targets,
        "rejection_reasons": (
            selectors.rejection_reasons_offered() if set(SIDE_EXITS) & set(targets) else []
        ),
    }
    if Role.ADMIN in user_roles(request.user):
        context["privacy"] = {
            "requests": privacy_requests_of(lead),
            "export_form": PrivacyExportForm(),
        }
    return render(request, "leads/detail.html", context)


@role_required(Role.ADMIN)
@require_POST
def privacy_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Everything held on the lead as a JSON file, on the person's request; recorded."""
    lead = selectors.lead_get_for_user(request.user, pk)
    form = PrivacyExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reference"]))
        return redirect(lead)
    data = lead_export(lead=lead, actor=request.user, reference=form.cleaned_data["reference"])
    filename = f"lead-{lead.pk}-{timezone.localdate():%Y-%m-%d}.json"
    return HttpResponse(
        export_json(data), content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def privacy_erase(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Erase the lead's personal data on the person's request, once the e-mail is typed
    again; recorded."""
    lead = selectors.lead_get_for_user(request.user, pk)
    form = PrivacyEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = lead_erase(lead=lead, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                f"The lead's personal data is erased ({_removed_text(record.removed)}). "
                "Its stages, events and clocks are kept, anonymous.",
            )
            return redirect(lead)
    return render(request, "leads/erase.html", {"lead": lead, "form": form})


def _removed_text(removed: dict[str, int]) -> str:
    names = {"notes": "notes deleted", "touch_notes": "touch notes emptied",
             "stage_change_reasons": "stage change reasons emptied",
             "event_properties": "events' properties emptied"}  # fmt: skip
    return "; ".join(f"{removed.get(key, 0)} {name}" for key, name in names.items())


def _sparkline(history: list[HistoryPoint], width: int = 270, height: int = 48) -> dict | None:
    """The polyline of the daily totals, drawn in a ``width`` × ``height`` SVG box (no days
    before the first score), with the lowest and highest totals for its labels."""
    known = [(index, point.total) for index, point in enumerate(history) if point.total is not None]
    if not known:
        return None
    low, high = min(total for _, total in known), max(total for _, total in known)
    spread, step = (high - low) or 1, width / max(len(history) - 1, 1)
    points = " ".join(
        f"{index * step:.1f},{height - 2 - (total - low) * (height - 4) / spread:.1f}"
        for index, total in known
    )
    return {"points": points, "width": width, "height": height, "low": low, "high": high,
            "days": len(history), "first": history[0].day, "last": history[-1]}  # fmt: skip


@role_required(ALL_ROLES)
@require_GET
def score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Why this score: the lazily loaded card of the lead page (HTMX), or a page of its own."""
    leads = Lead.objects.select_related("scoring_model")
    lead = selectors.lead_get_for_user(request.user, pk, leads=leads)
    context = {
        "lead": lead,
        "explanation": score_explanation(lead),
        "sparkline": _sparkline(score_history(lead)),
        "qualified_by": qualifying_transition(lead),
    }
    template = "leads/score.html#explanation" if request.htmx else "leads/score.html"
    return render(request, template, context)


@role_required(ALL_ROLES)
@require_GET
def transition_why(request: AuthenticatedHttpRequest, pk: int, transition_pk: int) -> HttpResponse:
    """Why a rule moved the lead: the transition's snapshot, recomputed rule by rule."""
    lead = selectors.lead_get_for_user(request.user, pk)
    transition = get_object_or_404(StageTransition, pk=transition_pk, lead=lead)
    transition.lead = lead
    context = {"lead": lead, "why": transition_explanation(transition)}
    template = "leads/transition.html#why" if request.htmx else "leads/transition.html"
    return render(request, template, context)


@role_required(RULES[Change.CHECKLIST].roles)
@require_POST
def sql_checklist(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(request.user, pk, for_change=Change.CHECKLIST)
    form = SqlChecklistForm(request.POST, items=sql_checklist_required())
    if form.is_valid():
        lead_update(lead=lead, **form.cleaned_data)
        messages.success(request, "SQL checklist saved.")
    return redirect(lead)


# What other parts of the lead page (its suggested content) announce when they added to the
# timeline, so the activity column reloads itself.
ACTIVITY_CHANGED = "leadActivityChanged"


@role_required(ALL_ROLES)
@require_GET
def activity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lead page's activity column: its touch and note forms and its timeline."""
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_page())
    return render(request, "leads/detail.html#activity", _activity_context(request, lead))


@role_required(RULES[Change.TOUCH].roles)
@require_POST
def log_touch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(request.user, pk, for_change=Change.TOUCH)
    form = TouchForm(request.POST)
    if form.is_valid():
        touch_log(lead=lead, by=request.user, **form.cleaned_data)
        form = None
    return _activity_response(
        request, lead, touch_form=form, failure="The touch was not logged: check the fields."
    )


@role_required(RULES[Change.NOTE].roles)
@require_POST
def add_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get_for_user(request.user, pk, for_change=Change.NOTE)
    form = NoteForm(request.POST)
    if form.is_valid():
        note_add(lead=lead, author=request.user, body=form.cleaned_data["body"])
        form = None
    return _activity_response(request, lead, note_form=form, failure="The note is empty.")


@role_required(ALL_ROLES)
@require_GET
def company(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    cursor = request.GET.get("cursor")
    try:
        page = selectors.company_leads_page(company, cursor=cursor)
    except ValidationError as error:
        return _broken_page_link(request, error, company.get_absolute_url())
    context = {"company": company, "page": page, "first_page": not cursor}
    if request.htmx and cursor:
        return render(request, "leads/company.html#more", context)
    context |= {"summary": selectors.company_summary(company), "stage_labels": dict(Stage.choices)}
    return render(request, "leads/company.html", context)


def _broken_page_link(request, error: ValidationError, back: str) -> HttpResponse:
    """A cursor that does not decode: a 400 for "load more", a message on the first page."""
    if request.htmx:
        return HttpResponse(" ".join(error.messages), status=400)
    messages.error(request, " ".join(error.messages))
    return redirect(back)


# --- my queue ----------------------------------------------------------------------------------

QUEUE_ROLES = (SALES_ROLES, Role.ADMIN)


@role_required(*QUEUE_ROLES)
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The rep's MQLs and the unassigned ones. ``?section=…&cursor=…`` pages one section: the
    rows after the cursor for "load more" (HTMX), or the page with that section moved on."""
    section, cursor = request.GET.get("section"), request.GET.get("cursor")
    if section is not None and section not in selectors.QUEUE_SECTIONS:
        raise Http404("No such part of the queue.")
    try:
        if request.htmx and section:
            page = selectors.queue_page(request.user, section, cursor=cursor)
            context = {"section": section, "page": page, **_queue_row_context(request.user)}
            return render(request, "leads/queue.html#more", context)
        sections = selectors.queue_for(request.user, cursors={section: cursor} if section else None)
    except ValidationError as error:
        return _broken_page_link(request, error, reverse("leads:queue"))
    notifications, unread = selectors.notifications_unread(request.user)
    context = {
        "sections": sections,
        "paged": section,
        "notifications": notifications,
        "unread": unread,
        "notifications_more": unread - len(notifications),
        **_queue_row_context(request.user),
    }
    return render(request, "leads/queue.html", context)


def _queue_row_context(user) -> dict:
    """What a queue row's actions offer: the reason codes, the kinds of touch and, to a
    manager of a team, the reps a lead may be given to."""
    team_reps = []
    if selectors.QUEUE_TEAM in selectors.queue_sections_for(user):
        team = [user.pk, *selectors.team_members_managed(user)]
        team_reps = list(
            owner_candidates().filter(pk__in=team).order_by("first_name", "last_name", "username")
        )
    return {
        "rejection_reasons": selectors.rejection_reasons_offered(),
        "touch_kinds": TouchForm.base_fields["kind"].choices,
        "touch_outcomes": TouchForm.base_fields["outcome"].choices,
        "team_reps": team_reps,
        "now": timezone.now(),
    }


@role_required(*QUEUE_ROLES)
@require_GET
def queue_due(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The countdowns of the queue rows on screen (``?lead=…`` repeated), swapped in place."""
    try:
        ids = [int(value) for value in request.GET.getlist("lead")]
    except ValueError:
        return HttpResponse("The rows to refresh are lead ids.", status=400)
    context = {"leads": selectors.queue_due(request.user, ids), "now": timezone.now()}
    return render(request, "leads/queue.html#countdowns", context)


@role_required(*QUEUE_ROLES)
@require_POST
def queue_touch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Log a touch from the queue (its SLA clocks count it), answered with the row again."""
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    form = TouchForm(request.POST)
    if not form.is_valid():
        refusal = " ".join(message for errors in form.errors.values() for message in errors)
        return _queue_response(request, lead, refusal=f"The touch was not logged: {refusal}")
    refusal = lead_change_refusal(lead, request.user, Change.TOUCH)
    if refusal:
        return _queue_response(request, lead, refusal=refusal)
    touch_log(lead=lead, by=request.user, **form.cleaned_data)
    kind = dict(form.fields["kind"].choices)[form.cleaned_data["kind"]]
    return _queue_response(request, lead, done=f"{kind} logged on {lead}.")


@role_required(Role.SALES_MANAGER, Role.ADMIN)
@require_POST
def queue_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A manager gives a lead of the team's queue to another rep of the team."""
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    team = [request.user.pk, *selectors.team_members_managed(request.user)]
    owner = owner_candidates().filter(pk__in=team, pk=request.POST.get("owner") or None).first()
    if owner is None:
        return _queue_response(request, lead, refusal="Choose a rep of your team.")
    assigned = leads_assign(lead_ids=[lead.pk], owner=owner, actor=request.user)
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    if assigned.refusals:
        return _queue_response(request, lead, refusal=" ".join(assigned.refusals))
    return _queue_response(
        request, lead, done=f"{lead} is {_owner_name(lead, request.user)}'s now."
    )


@role_required(*QUEUE_ROLES)
@require_POST
def queue_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accept an MQL from the queue: it moves to SAL, and an unowned one becomes the rep's."""
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    return _queue_move(request, lead, Stage.SAL)


@role_required(*QUEUE_ROLES)
@require_POST
def queue_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Reject an MQL from the queue with a reason code and a note: recycled to marketing's
    nurture, or disqualified."""
    lead = selectors.lead_get_for_user(request.user, pk, leads=selectors.leads_for_cards())
    form = RejectForm(request.POST)
    if not form.is_valid():
        refusal = " ".join(message for errors in form.errors.values() for message in errors)
        return _queue_response(request, lead, refusal=refusal)
    return _queue_move(
        request,
        lead,
        Stage(form.cleaned_data["outcome"]),
        reason=form.cleaned_data["reason"],
        rejection_reason=form.cleaned_data["rejection_reason"],
    )


def _queue_move(request, lead: Lead, to_stage: Stage, **rejection) -> HttpResponse:
    if lead.stage != Stage.MQL:
        refusal = f"{lead} is no longer an MQL: it moved to {lead.get_stage_display()}."
        return _queue_response(request, lead, refusal=refusal)
    try:
        lead_move_stage(lead=lead, to_stage=to_stage, actor=request.user, **rejection)
    except ValidationError as refused:
        # Read it again: whatever refused the move (another rep, another stage) shows.
        lead = selectors.lead_get_for_user(request.user, lead.pk, leads=selectors.leads_for_cards())
        return _queue_response(request, lead, refusal=" ".join(refused.messages))
    if to_stage == Stage.SAL:
        done = f"Accepted {lead}: in SAL now, owned by {_owner_name(lead, request.user)}."
    else:
        verb = "Recycled" if to_stage == Stage.RECYCLED else "Disqualified"
        done = f"{verb} {lead}: “{rejection['rejection_reason'].label}” goes to marketing."
    return _queue_response(request, lead, done=done)


def _owner_name(lead: Lead, user) -> str:
    if lead.owner_id == user.pk:
        return "you"
    return lead.owner.get_full_name() or lead.owner.username


def _queue_response(request, lead: Lead, *, done: str = "", refusal: str = "") -> HttpResponse:
    """After an action on a row of the queue. With HTMX: the row again if the lead is
    still in the section it was shown in (with the refusal beside it), else nothing, which
    removes it; both counts out of band, and the message as a toast, seen wherever the page is
    scrolled. Without: back, with the message."""
    if not request.htmx:
        if refusal:
            messages.error(request, refusal)
        else:
            messages.success(request, done)
        return redirect(_next_or(request, reverse("leads:queue")))
    shown_in = request.POST.get("section")
    # Read again with its countdown, which the action may have changed.
    lead = selectors.queue_leads().filter(pk=lead.pk).first() or lead
    context = {
        "lead": lead,
        "queue_section": shown_in,
        "keep": selectors.queue_section_of(lead, request.user) == shown_in,
        "row_refusal": refusal,
        "counts": selectors.queue_counts(request.user),
        **_queue_row_context(request.user),
    }
    response = render(request, "leads/queue.html#acted", context)
    message = {"message": refusal or done, "kind": "danger" if refusal else "success"}
    return trigger_client_event(response, "showMessage", message)


@role_required(RULES[Change.PROFILE].roles)
@require_http_methods(["GET", "POST"])
def persona_journey(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the lead's persona and journey stage by hand, or return them to the rules."""
    lead = selectors.lead_get_for_user(
        request.user, pk, for_change=Change.PROFILE, leads=selectors.leads_for_page()
    )
    form = LeadMatchingForm(request.POST or None, lead=lead)
    if request.method == "POST" and form.is_valid():
        lead_matching_set(lead=lead, actor=request.user, **form.service_arguments())
        messages.success(request, "Persona and journey stage saved.")
        return redirect(lead)
    return render(request, "leads/persona_journey.html", {"lead": lead, "form": form})
