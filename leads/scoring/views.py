"""Pages of the scoring lab (admin only): versions, the draft editor, impact and backtest runs,
activation now or at a moment, a manual rescore of every lead, the rescores' progress, and
discarding a draft; and the page every role reads, how we score and qualify."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leads.scoring.explain.guide import scoring_guide
from leads.scoring.forms import ActivateAtForm, BacktestForm, DraftForms, SuggestionsForm
from leads.scoring.lab import lab_run_start, lab_suggestions_apply
from leads.scoring.lab.drafting import learned_until
from leads.scoring.models import LabRun, ScoringModel, ScoringRun
from leads.scoring.runs import (
    RescoreRefused,
    scoring_rescore_start,
    scoring_run_cancel,
    scoring_run_resume,
    scoring_run_stalled,
    scoring_run_under_way,
)
from leads.scoring.services import (
    moment_text,
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_default,
    scoring_model_unschedule,
)
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, Role

RECENT_RUNS = 10


@role_required(Role.ADMIN)
@require_GET
def lab(request: AuthenticatedHttpRequest) -> HttpResponse:
    versions = ScoringModel.objects.select_related("created_by", "activated_by")
    runs = ScoringRun.objects.select_related("model", "started_by")[:RECENT_RUNS]
    active = next((model for model in versions if model.status == "active"), None)
    suggestions = LabRun.objects.filter(kind=LabRun.Kind.SUGGESTIONS).select_related("model")
    latest = suggestions.filter(model=active).first() if active else None
    context = {
        "versions": versions,
        "active": active,
        "runs": runs,
        "under_way": scoring_run_under_way(),
        "suggestions_run": latest,
        "suggestions_form": SuggestionsForm(initial=latest.parameters if latest else None),
    }
    return render(request, "scoring/lab.html", context)


@role_required(Role.ADMIN)
@require_POST
def clone(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A draft copy of the active model, or the starter model when none is active yet."""
    active = ScoringModel.objects.active().first()
    if active is None:
        draft = scoring_model_default(actor=request.user)
    else:
        draft = scoring_model_clone(model=active, actor=request.user)
    messages.success(request, f"Draft v{draft.version} created: edit it, try it, then activate.")
    return redirect("scoring:draft", draft.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The editor of a draft (other versions are shown read-only), with the lab's panels."""
    model = get_object_or_404(
        ScoringModel.objects.select_related("activated_by", "learned_from"), pk=pk
    )
    if request.method == "POST" and not model.is_editable:
        messages.warning(request, f"v{model.version} is {model.status}: only a draft is edited.")
        return redirect("scoring:draft", model.pk)
    forms = DraftForms(model, request.POST if request.method == "POST" else None)
    if request.method == "POST" and forms.is_valid() and forms.save():
        messages.success(request, "Draft saved.")
        return redirect("scoring:draft", model.pk)
    if request.method == "POST":
        messages.error(request, "The draft was not saved: see the problems marked below.")
    return render(request, "scoring/draft.html", _draft_context(model, forms))


def _draft_context(model: ScoringModel, forms: DraftForms, **extra) -> dict:
    latest = {
        kind: model.lab_runs.filter(kind=kind).select_related("baseline").first()
        for kind in (LabRun.Kind.IMPACT, LabRun.Kind.BACKTEST)
    }
    return {
        "model": model,
        "forms": forms,
        "active": ScoringModel.objects.active().first(),
        "impact_run": latest[LabRun.Kind.IMPACT],
        "backtest_run": latest[LabRun.Kind.BACKTEST],
        "backtest_form": BacktestForm(learned_until=learned_until(model)),
        "activate_at_form": ActivateAtForm(),
        **extra,
    }


def _lab_form(kind: str, model: ScoringModel, data=None, initial=None):
    """The form a lab computation of ``kind`` asks for, if any."""
    if kind == LabRun.Kind.BACKTEST:
        return BacktestForm(data, initial=initial, learned_until=learned_until(model))
    if kind == LabRun.Kind.SUGGESTIONS:
        return SuggestionsForm(data, initial=initial)
    return None


@role_required(Role.ADMIN)
@require_POST
def lab_run_create(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """Start an impact or a backtest of the draft, or the suggestions for a model; HTMX swaps in
    its panel, which polls."""
    model = get_object_or_404(ScoringModel.objects.select_related("learned_from"), pk=pk)
    if kind not in LabRun.Kind.values:
        raise Http404("No such lab computation.")
    form = _lab_form(kind, model, request.POST)
    run, problems = None, []
    if form is None or form.is_valid():
        try:
            run = lab_run_start(
                model=model, kind=kind, actor=request.user,
                parameters=form.parameters if form else None,
            )  # fmt: skip
        except ValidationError as refusal:
            problems = refusal.messages
    if not request.htmx:
        for problem in problems:
            messages.error(request, problem)
        if kind == LabRun.Kind.SUGGESTIONS:
            return redirect(reverse("scoring:lab") + "#suggestions")
        return redirect(reverse("scoring:draft", args=[model.pk]) + f"#{kind}")
    context = {"model": model, "run": run, "kind": kind, "problems": problems, "form": form}
    return render(request, "scoring/_lab_panel.html", context)


@role_required(Role.ADMIN)
@require_GET
def lab_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A lab run's panel: its progress while it runs (polled), then its figures."""
    run = get_object_or_404(LabRun.objects.select_related("model__learned_from", "baseline"), pk=pk)
    form = _lab_form(run.kind, run.model, initial=run.parameters)
    context = {"model": run.model, "run": run, "kind": run.kind, "form": form}
    return render(request, "scoring/_lab_panel.html", context)


@role_required(Role.ADMIN)
@require_POST
def suggestions_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The chosen suggestions of a run applied to a new draft, which opens for its backtest."""
    run = get_object_or_404(LabRun, pk=pk, kind=LabRun.Kind.SUGGESTIONS)
    try:
        draft = lab_suggestions_apply(
            run=run, chosen=request.POST.getlist("chosen"), actor=request.user
        )
    except ValidationError as refusal:
        for problem in refusal.messages:
            messages.error(request, problem)
        return redirect(reverse("scoring:lab") + "#suggestions")
    changes = len(dict.fromkeys(request.POST.getlist("chosen")))
    messages.success(
        request,
        f"Draft v{draft.version} has the {changes} chosen change{'s' if changes > 1 else ''}. "
        f"Backtest it on leads created after {run.result['fit_to']} to see whether it helps.",
    )
    return redirect(reverse("scoring:draft", args=[draft.pk]) + "#backtest")


@role_required(Role.ADMIN)
@require_POST
def activate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(ScoringModel, pk=pk)
    try:
        run = scoring_model_activate(model=model, actor=request.user)
    except ValidationError as refusal:
        for problem in refusal.messages:
            messages.error(request, problem)
        return redirect("scoring:draft", model.pk)
    messages.success(
        request, f"v{model.version} is active: its {run.leads_total:,} leads are being rescored."
    )
    return redirect("scoring:run", run.pk)


@role_required(Role.ADMIN)
@require_POST
def schedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Schedule the draft for a moment: beat activates it then, and starts its rescore."""
    model = get_object_or_404(ScoringModel, pk=pk)
    form = ActivateAtForm(request.POST)
    if form.is_valid():
        moment = form.cleaned_data["activate_at"]
        try:
            scoring_model_activate(model=model, actor=request.user, at=moment)
        except ValidationError as refusal:
            form.add_error(None, refusal.messages)
        else:
            messages.success(
                request,
                f"v{model.version} is scheduled: it is activated at {moment_text(moment)}, "
                "and every lead rescored then.",
            )
            return redirect("scoring:draft", model.pk)
    messages.error(request, "The draft was not scheduled: see why below.")
    forms = DraftForms(model)
    return render(
        request, "scoring/draft.html", _draft_context(model, forms, activate_at_form=form)
    )


@role_required(Role.ADMIN)
@require_POST
def unschedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(ScoringModel, pk=pk)
    try:
        scoring_model_unschedule(model=model)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"v{model.version} is a draft again: edit it, then activate.")
    return redirect("scoring:draft", model.pk)


@role_required(Role.ADMIN)
@require_POST
def rescore(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Rescore every lead with the active model now; refused while a rescore is under way."""
    try:
        run = scoring_rescore_start(actor=request.user)
    except RescoreRefused as refusal:
        messages.warning(request, str(refusal))
        return redirect("scoring:run", refusal.run.pk) if refusal.run else redirect("scoring:lab")
    messages.success(request, f"Every lead ({run.leads_total:,}) is being rescored.")
    return redirect("scoring:run", run.pk)


@role_required(Role.ADMIN)
@require_POST
def discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deleted, _ = ScoringModel.objects.filter(pk=pk, status=ScoringModel.Status.DRAFT).delete()
    if deleted:
        messages.success(request, "Draft discarded.")
    else:
        messages.warning(request, "Only a draft can be discarded.")
    return redirect("scoring:lab")


@role_required(Role.ADMIN)
@require_GET
def run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A rescore's progress; the bar polls every second until the run is finished. A run whose
    worker stopped says so, with buttons to resume or cancel it."""
    scoring_run = get_object_or_404(ScoringRun.objects.select_related("model", "started_by"), pk=pk)
    context = {"run": scoring_run, "stalled": scoring_run_stalled(scoring_run)}
    if request.htmx and request.htmx.target == "run-progress":
        return render(request, "scoring/run.html#progress", context)
    return render(request, "scoring/run.html", context)


@role_required(Role.ADMIN)
@require_POST
def run_resume(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Resume, now, a rescore whose worker stopped (beat does so within a minute or two)."""
    scoring_run = get_object_or_404(ScoringRun, pk=pk)
    try:
        scoring_run_resume(run=scoring_run)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    else:
        messages.success(request, "The rescore is resumed from the chunks not written yet.")
    return redirect("scoring:run", pk)


@role_required(Role.ADMIN)
@require_POST
def run_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel a rescore whose worker stopped; the indexes it had dropped are built again."""
    scoring_run = get_object_or_404(ScoringRun, pk=pk)
    try:
        built = scoring_run_cancel(run=scoring_run, actor=request.user)
    except ValidationError as refusal:
        messages.warning(request, " ".join(refusal.messages))
    else:
        rebuilt = (
            f" The {len(built)} indexes of the lists it had dropped are built again."
            if built
            else ""
        )
        messages.success(request, f"The rescore is cancelled.{rebuilt}")
    return redirect("scoring:run", pk)


@role_required(ALL_ROLES)
@require_GET
def how_we_score(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How we score and qualify, read-only for every role: the active model's rules in words, its
    bands and grades, and the MQL and SQL criteria in force."""
    return render(request, "scoring/how.html", {"guide": scoring_guide()})
