"""Pages of the sla app: the agreement between the teams, its drafts and their signatures.
Every role reads it; revenue ops (the admin role) drafts versions, and each team signs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sla import routing, selectors
from sla.clocks import reps_overloaded
from sla.forms import AgreementForm, GoalForm
from sla.goals import goal_cards
from sla.models import Agreement, Function, Goal
from sla.services import (
    AGREEMENT_FIELDS,
    agreement_delete,
    agreement_draft,
    agreement_sign,
    agreement_update,
    goal_delete,
    goal_save,
    may_sign,
)
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role, user_roles

DRAFTERS = (Role.ADMIN,)
GOAL_SETTERS = (Role.ADMIN, Role.MARKETING_MANAGER, Role.SALES_MANAGER)
CLOCK_SECTIONS = (
    ("at_risk", "At risk: due within the hour", "No clock is due within the hour."),
    (
        "breached",
        "Overdue: waiting for a first touch or a decision",
        "No MQL is waiting past its due time.",
    ),
)


@role_required(ALL_ROLES)
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    versions = selectors.agreement_versions()
    now = timezone.now()
    context = {
        "versions": versions,
        "compliance": selectors.this_week_and_month(versions.in_force, now=now),
        "clocks": selectors.clock_lists(now=now),
        "overloads": reps_overloaded(now=now),
        "teams": selectors.teams_with_hours(),
        "routing": selectors.routing_overview(now=now),
        "may_draft": Role.ADMIN in user_roles(request.user),
        "signs_for": [f.value for f in Function if may_sign(request.user, f)],
        "functions": Function.choices,
        "clock_sections": CLOCK_SECTIONS,
        "goals": goal_cards(now=now),
        "may_set_goals": bool(set(GOAL_SETTERS) & user_roles(request.user)),
        "now": now,
    }
    return render(request, "sla/index.html", context)


def _form_page(request, form: AgreementForm, agreement: Agreement | None) -> HttpResponse:
    status = 400 if form.is_bound else 200
    return render(
        request, "sla/agreement_form.html", {"form": form, "agreement": agreement}, status=status
    )


def _terms(form: AgreementForm) -> dict:
    return {name: form.cleaned_data[name] for name in AGREEMENT_FIELDS}


@role_required(*DRAFTERS)
@require_http_methods(["GET", "POST"])
def agreement_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    current = Agreement.objects.order_by("-version").first()
    if request.method == "GET":
        initial = {name: getattr(current, name) for name in AGREEMENT_FIELDS} if current else {}
        initial.update(effective_from=timezone.localtime().replace(second=0, microsecond=0),
                       summary="")  # fmt: skip
        return _form_page(request, AgreementForm(initial=initial), None)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement = agreement_draft(actor=request.user, data=_terms(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{agreement} drafted: both teams can now sign it.")
            return redirect("sla:index")
    return _form_page(request, form, None)


@role_required(*DRAFTERS)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    if agreement.is_signed:
        messages.error(request, f"{agreement} is signed by both teams: draft a new version.")
        return redirect("sla:index")
    if request.method == "GET":
        return _form_page(request, AgreementForm(instance=agreement), agreement)
    form = AgreementForm(request.POST, instance=agreement)
    if form.is_valid():
        try:
            agreement = agreement_update(agreement=agreement, data=_terms(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{agreement} saved; any signature on it was withdrawn.")
            return redirect("sla:index")
    return _form_page(request, form, get_object_or_404(Agreement, pk=pk))


@role_required(Role.SALES_MANAGER, *MARKETING_ROLES)
@require_POST
def agreement_sign_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    function = request.POST.get("function", "")
    try:
        agreement = agreement_sign(agreement=agreement, user=request.user, function=function)
    except (ValidationError, PermissionDenied) as refusal:
        text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        messages.error(request, text)
    else:
        if agreement.is_signed:
            messages.success(
                request,
                f"Signed for {Function(function).label.lower()}: {agreement} is agreed by both "
                f"teams and in force from {timezone.localtime(agreement.effective_from):%-d %b %Y, %H:%M}.",
            )
        else:
            messages.success(
                request,
                f"Signed for {Function(function).label.lower()}; the other team signs next.",
            )
    return redirect("sla:index")


@role_required(*DRAFTERS)
@require_POST
def agreement_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(Agreement, pk=pk)
    try:
        agreement_delete(agreement=agreement)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"Draft {agreement} deleted.")
    return redirect("sla:index")


@role_required(ALL_ROLES)
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark the user's notifications read: with HTMX the panel goes; else back to the queue."""
    read = routing.notifications_read(request.user)
    if request.htmx:
        return HttpResponse(status=200)
    messages.success(request, f"{read} notification{'s' if read != 1 else ''} marked read.")
    return redirect("leads:queue")


# --- goals -------------------------------------------------------------------------------------


def _goal_page(request, form: GoalForm, goal: Goal | None) -> HttpResponse:
    status = 400 if form.is_bound else 200
    return render(request, "sla/goal_form.html", {"form": form, "goal": goal}, status=status)


def _goal_submit(request, goal: Goal | None) -> HttpResponse:
    form = GoalForm(request.POST, instance=goal)
    if form.is_valid():
        try:
            saved = goal_save(goal=goal, data=form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Goal “{saved}” saved.")
            return redirect(f"{reverse('sla:index')}#goals")
    return _goal_page(request, form, goal)


@role_required(*GOAL_SETTERS)
@require_http_methods(["GET", "POST"])
def goal_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _goal_page(request, GoalForm(), None)
    return _goal_submit(request, None)


@role_required(*GOAL_SETTERS)
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=pk)
    if request.method == "GET":
        return _goal_page(request, GoalForm(instance=goal), goal)
    return _goal_submit(request, goal)


@role_required(*GOAL_SETTERS)
@require_POST
def goal_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(Goal, pk=pk)
    goal_delete(goal=goal)
    messages.success(request, f"Goal “{goal}” deleted.")
    return redirect(f"{reverse('sla:index')}#goals")
