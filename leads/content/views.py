"""Pages of the journey and the content library: the journey map, a stage's questions, the
content list, an asset's page and forms, its file, and the suggested content of a lead."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from journeys.filters import ContentAssetFilter
from journeys.forms import ContentAssetForm, QuestionFormSet, refusal_show
from journeys.models import ContentAsset, ContentKind, ContentStatus, JourneyStage
from journeys.selectors import content_assets
from journeys.services import (
    QuestionRow,
    content_asset_create,
    content_asset_update,
    journey_questions_save,
)
from leads import selectors as lead_selectors
from leads.content import selectors
from leads.content.forms import RateForm, SendForm
from leads.content.models import ContentSend
from leads.content.services import content_rate, content_send
from leads.permissions import RULES, Change, lead_change_refusal, role_may
from leads.views import ACTIVITY_CHANGED
from personas.models import Persona
from smarketing.access import role_required
from smarketing.http import AuthenticatedHttpRequest
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, SALES_ROLES, Role, user_roles

EDITORS = (MARKETING_ROLES, Role.ADMIN)
RATERS = (SALES_ROLES, Role.ADMIN)
LIST_PAGE_SIZE = 25


def _may_edit(user) -> bool:
    return bool(user_roles(user) & {*MARKETING_ROLES, Role.ADMIN})


# --- the journey map ---------------------------------------------------------------------------


@role_required(ALL_ROLES)
@require_GET
def journey_map(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"map": selectors.journey_map(), "may_edit": _may_edit(request.user)}
    return render(request, "content/journey_map.html", context)


@role_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def stage_questions(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    stage = get_object_or_404(JourneyStage, key=key)
    initial = [
        {"id": question.pk, "position": question.position, "text": question.text}
        for question in stage.questions.order_by("position", "id")
    ]
    formset = QuestionFormSet(request.POST or None, initial=initial, prefix="questions")
    if request.method == "POST" and formset.is_valid():
        rows = [
            QuestionRow(
                id=form.cleaned_data.get("id"),
                text=form.cleaned_data.get("text") or "",
                position=form.cleaned_data.get("position"),
                delete=form.cleaned_data.get("delete", False),
            )
            for form in formset
            if form.cleaned_data
        ]
        try:
            journey_questions_save(stage=stage, rows=rows)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, f"Saved the questions of the {stage.name} stage.")
            return redirect("content:journey_map")
    return render(request, "content/questions.html", {"stage": stage, "formset": formset})


# --- the content library -----------------------------------------------------------------------


@role_required(ALL_ROLES)
@require_GET
def content_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    content_filter = ContentAssetFilter(request.GET, queryset=content_assets())
    assets = content_filter.qs if content_filter.is_valid() else content_assets().none()
    page = Paginator(assets, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    figures = selectors.asset_figures(asset.pk for asset in page)
    rows = [(asset, figures.get(asset.pk, selectors.AssetFigures())) for asset in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": content_filter,
        # The menus' choices in one query each (a model choice field counts, then iterates).
        "menus": [
            (name, label, choices, request.GET.get(name, ""))
            for name, label, choices in (
                ("kind", "Kind", ContentKind.choices),
                ("stage", "Journey stage", list(JourneyStage.objects.values_list("key", "name"))),
                ("persona", "Persona", list(Persona.objects.values_list("pk", "name"))),
                ("status", "Status", ContentStatus.choices),
            )
        ],
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "may_edit": _may_edit(request.user),
    }
    template = "content/list.html#results" if request.htmx else "content/list.html"
    return render(request, template, context)


@role_required(ALL_ROLES)
@require_GET
def asset_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    asset = get_object_or_404(content_assets(), pk=pk)
    ratings, more_ratings = selectors.asset_ratings(asset)
    context = {
        "asset": asset,
        "effect": selectors.asset_effect(asset),
        "ratings": ratings,
        "more_ratings": more_ratings,
        "may_edit": _may_edit(request.user),
    }
    return render(request, "content/asset.html", context)


def _asset_form_page(request, *, asset: ContentAsset | None) -> HttpResponse:
    max_bytes = settings.CONTENT_UPLOAD_MAX_BYTES
    form = ContentAssetForm(
        request.POST or None, request.FILES or None, instance=asset, max_bytes=max_bytes
    )
    if request.method == "POST" and form.is_valid():
        try:
            if asset is None:
                asset = content_asset_create(by=request.user, **form.service_fields())
            else:
                content_asset_update(asset=asset, **form.service_fields())
        except ValidationError as refusal:
            refusal_show(form, refusal)
        else:
            messages.success(request, f"Saved “{asset.title}”.")
            return redirect(asset)
    return render(request, "content/asset_form.html", {"form": form, "asset": asset})


@role_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def asset_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _asset_form_page(request, asset=None)


@role_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def asset_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _asset_form_page(request, asset=get_object_or_404(ContentAsset, pk=pk))


@role_required(ALL_ROLES)
@require_GET
def asset_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The asset's file, to logged-in users only, as the type its bytes were recognised as."""
    asset = get_object_or_404(ContentAsset, pk=pk)
    if not asset.file:
        raise Http404("This asset has no file.")
    try:
        handle = asset.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file of this asset is missing from storage.") from missing
    response = FileResponse(
        handle, as_attachment=True, filename=asset.file_name or None, content_type=asset.file_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- suggested content on the lead page --------------------------------------------------------


def _suggestions_response(request, lead, *, send_form=None, rate_form=None) -> HttpResponse:
    context = {
        "lead": lead,
        "suggestions": selectors.content_suggestions(lead),
        "can_send": role_may(request.user, Change.TOUCH),
        "send_refusal": lead_change_refusal(lead, request.user, Change.TOUCH),
        "send_form": send_form,
        "rate_form": rate_form,
        "user_id": request.user.pk,
        "is_admin": Role.ADMIN in user_roles(request.user),
    }
    template = (
        "content/lead_suggestions.html#suggestions"
        if request.htmx
        else "content/lead_suggestions.html"
    )
    return render(request, template, context)


@role_required(ALL_ROLES)
@require_GET
def lead_suggestions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_selectors.lead_get_for_user(request.user, pk, leads=lead_selectors.leads_for_page())
    return _suggestions_response(request, lead)


def _after_change(
    request, lead, *, done: str, refusal: str = "", touched: bool = False, **forms
) -> HttpResponse:
    """The suggestions again for HTMX (announcing ``ACTIVITY_CHANGED`` when ``touched``: a
    send added a touch to the timeline beside them), or back to the lead page."""
    if request.htmx:
        if refusal:
            messages.error(request, refusal)
        elif done:
            messages.success(request, done)
        response = _suggestions_response(request, lead, **forms)
        if touched and not refusal:
            trigger_client_event(response, ACTIVITY_CHANGED)
        return response
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, done)
    return redirect(lead)


@role_required(RULES[Change.TOUCH].roles)
@require_POST
def lead_content_send(request: AuthenticatedHttpRequest, pk: int, asset_pk: int) -> HttpResponse:
    lead = lead_selectors.lead_get_for_user(
        request.user, pk, for_change=Change.TOUCH, leads=lead_selectors.leads_for_page()
    )
    asset = get_object_or_404(ContentAsset, pk=asset_pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        return _after_change(request, lead, done="", refusal=" ".join(form.errors_text()))
    try:
        content_send(asset=asset, lead=lead, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as refusal:
        return _after_change(request, lead, done="", refusal=" ".join(refusal.messages))
    return _after_change(
        request, lead, done=f"Sent “{asset.title}” to {lead}; logged as a touch.", touched=True
    )


@role_required(*RATERS)
@require_POST
def send_rate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    send = get_object_or_404(ContentSend.objects.select_related("asset"), pk=pk)
    lead = lead_selectors.lead_get_for_user(
        request.user, send.lead_id, leads=lead_selectors.leads_for_page()
    )
    form = RateForm(request.POST)
    if not form.is_valid():
        return _after_change(request, lead, done="", refusal=" ".join(form.errors_text()))
    try:
        content_rate(send=send, by=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as refusal:
        text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        return _after_change(request, lead, done="", refusal=text)
    verdict = "useful" if form.cleaned_data["useful"] else "not useful"
    return _after_change(request, lead, done=f"Rated “{send.asset.title}” {verdict}.")
