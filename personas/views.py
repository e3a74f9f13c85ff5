"""Pages of the personas app: the list, a persona's page, its create / edit / delete forms and
"mark reviewed". Every role reads; marketing and admins write, through ``personas.services``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from personas import selectors
from personas.forms import InsightForm, PersonaForm, PersonaRulesForm
from personas.models import InsightStatus, Persona, PersonaInsight, PersonaRules
from personas.profile import EDITABLE_FIELDS
from personas.services import (
    persona_create,
    persona_delete,
    persona_insight_decide,
    persona_insight_share,
    persona_mark_reviewed,
    persona_rules_delete,
    persona_rules_save,
    persona_update,
)
from smarketing.access import role_required, roles
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

WRITERS = (MARKETING_ROLES, Role.ADMIN)
WRITE = roles(*WRITERS)


def _may_edit(request: AuthenticatedHttpRequest) -> bool:
    return WRITE.allows(request.user)


# Who edits the matching rules: marketing owns the personas, revenue ops the scoring.
RULE_EDITORS = MARKETING_ROLES | {Role.ADMIN}


@role_required(ALL_ROLES)
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "listing": selectors.persona_list(),
        "may_edit": _may_edit(request),
        "review_days": settings.PERSONA_REVIEW_DAYS,
    }
    return render(request, "personas/list.html", context)


@role_required(ALL_ROLES)
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _persona_for_page(pk))


def _persona_for_page(pk: int) -> Persona:
    try:
        return selectors.persona_for_page(pk)
    except Persona.DoesNotExist as missing:
        raise Http404("No such persona.") from missing


def _detail_page(
    request: AuthenticatedHttpRequest,
    persona: Persona,
    insight_form: InsightForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "persona": persona,
        "profile": selectors.persona_profile(persona),
        "funnel": selectors.persona_funnel(persona),
        "campaigns": selectors.persona_campaigns(persona),
        "rejections": selectors.persona_rejection_reasons(persona),
        "insights": selectors.persona_insights(persona),
        "insight_form": insight_form or InsightForm(),
        "history": selectors.persona_history(persona),
        "may_edit": _may_edit(request),
    }
    return render(request, "personas/detail.html", context, status=status)


def _insights_section(
    request: AuthenticatedHttpRequest,
    persona: Persona,
    form: InsightForm | None = None,
    done: str = "",
    failed: bool = False,
) -> HttpResponse:
    context = {
        "persona": persona,
        "insights": selectors.persona_insights(persona),
        "insight_form": form or InsightForm(),
        "insight_done": done,
        "insight_failed": failed,
        "may_edit": _may_edit(request),
    }
    return render(request, "personas/detail.html#insights", context)


@role_required(ALL_ROLES)
@require_POST
def insight_share(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Any role shares an insight; HTMX swaps the insights section, a plain form reloads."""
    persona = get_object_or_404(Persona, pk=pk)
    form = InsightForm(request.POST)
    if form.is_valid():
        try:
            _insight, created = persona_insight_share(
                persona=persona,
                author=request.user,
                body=form.cleaned_data["body"],
                section=form.cleaned_data["section"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            done = "Shared with both teams." if created else "You had already shared this."
            if request.htmx:
                return _insights_section(request, persona, done=done)
            messages.success(request, done)
            return redirect(f"{persona.get_absolute_url()}#persona-insights")
    if request.htmx:
        return _insights_section(request, persona, form=form)
    return _detail_page(request, _persona_for_page(pk), insight_form=form, status=400)


_DECISIONS = {
    InsightStatus.ADOPTED: "Adopted into the profile.",
    InsightStatus.SET_ASIDE: "Set aside.",
    InsightStatus.OPEN: "Opened again.",
}


@role_required(*WRITERS)
@require_POST
def insight_decide(request: AuthenticatedHttpRequest, insight_id: int) -> HttpResponse:
    """Marketing adopts an insight into the profile, sets it aside, or opens it again."""
    insight = get_object_or_404(PersonaInsight.objects.select_related("persona"), pk=insight_id)
    status = request.POST.get("status", "")
    try:
        persona_insight_decide(insight=insight, actor=request.user, status=status)
    except ValidationError as error:
        done, ok = " ".join(error.messages), False
    else:
        done, ok = _DECISIONS[InsightStatus(status)], True
    if request.htmx:
        return _insights_section(request, insight.persona, done=done, failed=not ok)
    (messages.success if ok else messages.error)(request, done)
    return redirect(f"{insight.persona.get_absolute_url()}#persona-insights")


def _form_page(request, form: PersonaForm, persona: Persona | None) -> HttpResponse:
    template = "personas/form.html#form" if request.htmx else "personas/form.html"
    # HTMX swaps only successful answers: a refused form comes back as 200 to be shown in place.
    status = 400 if form.is_bound and not request.htmx else 200
    return render(request, template, {"form": form, "persona": persona}, status=status)


def _saved(request, persona: Persona, done: str) -> HttpResponse:
    messages.success(request, done)
    if request.htmx:
        return HttpResponseClientRedirect(persona.get_absolute_url())
    return redirect(persona)


def _fields(form: PersonaForm) -> dict:
    return {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, PersonaForm(initial={"owner": request.user}), None)
    form = PersonaForm(request.POST)
    if form.is_valid():
        try:
            persona = persona_create(actor=request.user, data=_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, persona, f"Persona “{persona}” created.")
    return _form_page(request, form, None)


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona, pk=pk)
    if request.method == "GET":
        return _form_page(request, PersonaForm(instance=persona), persona)
    form = PersonaForm(request.POST, instance=persona)
    if form.is_valid():
        try:
            persona = persona_update(persona=persona, actor=request.user, data=_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, persona, f"Persona “{persona}” saved.")
    # The form changed the persona in memory; the page names it as stored.
    return _form_page(request, form, get_object_or_404(Persona, pk=pk))


@role_required(*WRITERS)
@require_POST
def review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona, pk=pk)
    persona = persona_mark_reviewed(persona=persona, actor=request.user)
    if request.htmx:
        return render(
            request,
            "personas/detail.html#review",
            {"persona": persona, "may_edit": True, "just_reviewed": True},
        )
    messages.success(request, f"Persona “{persona}” marked as reviewed today.")
    return redirect(persona)


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    persona = _persona_for_page(pk)
    if request.method == "GET":
        return render(request, "personas/delete.html", {"persona": persona})
    leads = persona_delete(persona=persona, actor=request.user)
    messages.success(
        request, f"Persona “{persona}” deleted; {leads:,} lead(s) no longer have a persona."
    )
    if request.htmx:
        return HttpResponseClientRedirect(reverse("personas:index"))
    return redirect("personas:index")


@role_required(RULE_EDITORS)
@require_http_methods(["GET", "POST"])
def rules(request: AuthenticatedHttpRequest, persona_id: int) -> HttpResponse:
    """The persona's matching rules: edit them, or remove them."""
    persona = get_object_or_404(Persona, pk=persona_id)
    current = PersonaRules.objects.filter(persona=persona).first()
    if request.method == "POST" and request.POST.get("action") == "remove":
        if persona_rules_delete(persona=persona):
            messages.success(
                request, f"{persona}'s matching rules are removed; leads are matched again."
            )
        return redirect("personas:rules", persona_id=persona.pk)
    form = PersonaRulesForm(request.POST or None, rules=current)
    if request.method == "POST" and form.is_valid():
        try:
            persona_rules_save(persona=persona, **form.service_arguments())
        except ValidationError as refusal:
            for field, errors in refusal.message_dict.items():
                form.add_error(None if field == "__all__" else field, errors)
        else:
            messages.success(
                request, f"{persona}'s matching rules are saved; leads are matched again."
            )
            return redirect("personas:rules", persona_id=persona.pk)
    others = PersonaRules.objects.exclude(persona=persona).select_related("persona")
    context = {"persona": persona, "rules": current, "form": form, "others": others}
    return render(request, "personas/rules.html", context)
