"""Scoring models through the API: versions, and the groups and rules of a draft."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from leads.scoring import editing
from leads.scoring.api import serializers
from leads.scoring.api.views.common import (
    INVALID,
    NOT_A_DRAFT,
    NOT_A_DRAFT_EXAMPLE,
    NOT_FOUND,
    RULE_REFUSED_EXAMPLE,
    ScoringActionView,
    ScoringView,
    not_a_draft,
)
from leads.scoring.models import (
    EngagementRule,
    FitGroup,
    FitRule,
    ScoringModel,
)
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_create,
    scoring_model_unschedule,
)
from smarketing.api.errors import Conflict, ErrorSerializer, service_errors

# --- scoring models ---------------------------------------------------------------------------


def _model_detail(pk: int) -> ScoringModel:
    return get_object_or_404(
        ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules"),
        pk=pk,
    )


class ScoringModelListView(ScoringView):
    @extend_schema(
        summary="List scoring model versions",
        description="Newest version first: drafts, the active version and archived ones.",
        responses={200: serializers.ScoringModelOutputSerializer(many=True)},
        tags=["scoring models"],
    )
    def get(self, request):
        models = ScoringModel.objects.all()
        return Response(serializers.ScoringModelOutputSerializer(models, many=True).data)

    @extend_schema(
        summary="Create a draft",
        description="An empty draft numbered after every version; add groups and rules, then "
        "activate it. To start from the active version, clone that instead. Admin only.",
        request=serializers.ScoringModelInputSerializer,
        responses={201: serializers.ScoringModelDetailOutputSerializer, 400: INVALID},
        examples=[
            OpenApiExample(
                "A draft",
                request_only=True,
                value={"name": "Autumn model", "overall_cap": 150, "hot_threshold": 70},
            ),
            OpenApiExample(
                "Overlapping bands",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": {
                        "hot_threshold": [
                            "The temperature bands overlap: hot from 20 must be above warm from 30."
                        ]
                    }
                },
            ),
        ],
        tags=["scoring models"],
    )
    def post(self, request):
        serializer = serializers.ScoringModelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            model = scoring_model_create(actor=request.user, **serializer.validated_data)
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(model.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ScoringModelDetailView(ScoringView):
    @extend_schema(
        summary="Get a scoring model version",
        description="With its fit groups, fit rules and engagement rules.",
        responses={200: serializers.ScoringModelDetailOutputSerializer, 404: NOT_FOUND},
        tags=["scoring models"],
    )
    def get(self, request, model_id: int):
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(model_id)).data
        )

    @extend_schema(
        summary="Change a draft",
        description="Name, description, overall cap and bands of a draft. Admin only.",
        request=serializers.ScoringModelInputSerializer(partial=True),
        responses={
            200: serializers.ScoringModelDetailOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[NOT_A_DRAFT_EXAMPLE],
        tags=["scoring models"],
    )
    def patch(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        serializer = serializers.ScoringModelInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                editing.scoring_model_update(model=model, **serializer.validated_data)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(model_id)).data
        )

    @extend_schema(
        summary="Delete a draft",
        description="Admin only; active and archived versions are kept.",
        responses={204: None, 404: NOT_FOUND, 409: NOT_A_DRAFT},
        examples=[NOT_A_DRAFT_EXAMPLE],
        tags=["scoring models"],
    )
    def delete(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        try:
            editing.scoring_model_delete(model=model)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        except ProtectedError as protected:
            raise Conflict(
                {"detail": ["A rescore ran with this draft: it is kept."]}
            ) from protected
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScoringModelCloneView(ScoringActionView):
    @extend_schema(
        summary="Clone a version into a new draft",
        description="Copies the version with every group and rule. Admin only.",
        request=None,
        responses={201: serializers.ScoringModelDetailOutputSerializer, 404: NOT_FOUND},
        tags=["scoring models"],
    )
    def post(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        copy = scoring_model_clone(model=model, actor=request.user)
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(copy.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ScoringModelActivateView(ScoringActionView):
    @extend_schema(
        summary="Activate a draft now",
        description="Archives the active version, activates this draft (or a scheduled version, "
        "ahead of its moment) and starts the rescore of every lead; answers 202 with the run, "
        "whose progress `GET /api/scoring/runs/{id}/` tells. A draft with refused rules answers "
        "400 with every refusal. To activate it later, schedule it instead. Admin only.",
        request=None,
        responses={
            202: serializers.ScoringRunOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[
            OpenApiExample(
                "The rescore started",
                response_only=True,
                status_codes=["202"],
                value={
                    "id": 12,
                    "kind": "activation",
                    "status": "queued",
                    "percent": 0,
                    "model": {"id": 4, "version": 4, "name": "Autumn model"},
                    "as_of": "2026-05-04T14:02:00Z",
                    "leads_total": 120000,
                    "leads_done": 0,
                    "leads_written": 0,
                    "leads_qualified": 0,
                    "started_by": {"id": 1, "username": "alice", "name": "Alice Martin"},
                    "created_at": "2026-05-04T14:02:00Z",
                    "started_at": None,
                    "finished_at": None,
                    "error": "",
                },
            ),
            NOT_A_DRAFT_EXAMPLE,
        ],
        tags=["scoring models"],
    )
    def post(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        if not model.can_be_activated:
            raise Conflict(
                {"detail": [f"v{model.version} is {model.status}: only a draft can be activated."]}
            )
        with service_errors():
            run = scoring_model_activate(model=model, actor=request.user)
        return Response(
            serializers.ScoringRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED
        )


SCHEDULED_EXAMPLE = OpenApiExample(
    "A moment that has passed",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": {
            "activate_at": [
                "4 May 2026, 09:00 UTC has passed: choose a moment to come, or activate it now instead."
            ]
        }
    },
)


class ScoringModelScheduleView(ScoringActionView):
    @extend_schema(
        summary="Schedule a draft's activation",
        description="The draft is activated at `at` (within a minute of it), which starts the "
        "rescore of every lead as an activation does. Until then it is `scheduled` and "
        "read-only (changes answer 409); unschedule it to edit it again. A draft with refused "
        "rules answers 400 with every refusal. Admin only.",
        request=serializers.ScheduleInputSerializer,
        responses={
            200: serializers.ScoringModelDetailOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[
            OpenApiExample(
                "Monday morning", request_only=True, value={"at": "2026-06-08T07:00:00Z"}
            ),
            SCHEDULED_EXAMPLE,
        ],
        tags=["scoring models"],
    )
    def post(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        serializer = serializers.ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not model.is_editable:
            raise not_a_draft(editing.draft_refusal(model))
        with service_errors():
            scoring_model_activate(
                model=model, actor=request.user, at=serializer.validated_data["at"]
            )
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(model_id)).data
        )

    @extend_schema(
        summary="Unschedule a version",
        description="A scheduled version becomes a draft again, to be edited. Admin only.",
        request=None,
        responses={
            200: serializers.ScoringModelDetailOutputSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="The version is not scheduled."),
        },
        tags=["scoring models"],
    )
    def delete(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        try:
            scoring_model_unschedule(model=model)
        except ValidationError as refusal:
            raise Conflict({"detail": refusal.messages}) from refusal
        return Response(
            serializers.ScoringModelDetailOutputSerializer(_model_detail(model_id)).data
        )


# --- groups and rules of a draft ----------------------------------------------------------------


class DraftPartsView(ScoringView):
    """The groups or rules of one scoring model: listed for all, created in a draft by admins."""

    part_model: type[FitGroup | FitRule | EngagementRule]
    input_serializer: type[Serializer]
    output_serializer: type[Serializer]

    def get(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        parts = self.part_model.objects.filter(model=model)
        return Response(self.output_serializer(parts, many=True).data)

    def post(self, request, model_id: int):
        model = get_object_or_404(ScoringModel, pk=model_id)
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = self.part_model(model=model, **serializer.validated_data)
        try:
            with service_errors():
                editing.scoring_part_save(part=part)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(self.output_serializer(part).data, status=status.HTTP_201_CREATED)


class DraftPartView(ScoringView):
    """One group or rule of a scoring model: read by all, changed in a draft by admins."""

    part_model: type[FitGroup | FitRule | EngagementRule]
    input_serializer: type[Serializer]
    output_serializer: type[Serializer]

    def _part(self, model_id: int, part_id: int):
        return get_object_or_404(self.part_model, model_id=model_id, pk=part_id)

    def get(self, request, model_id: int, part_id: int):
        return Response(self.output_serializer(self._part(model_id, part_id)).data)

    def patch(self, request, model_id: int, part_id: int):
        part = self._part(model_id, part_id)
        serializer = self.input_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(part, name, value)
        try:
            with service_errors():
                editing.scoring_part_save(part=part)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(self.output_serializer(part).data)

    def delete(self, request, model_id: int, part_id: int):
        try:
            editing.scoring_part_delete(part=self._part(model_id, part_id))
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(status=status.HTTP_204_NO_CONTENT)


def _parts_schema(noun: str, plural: str, output, input_, tag: str, example=None):
    """The schema of a list-and-create view and of a one-part view for groups or rules."""
    examples = [example, RULE_REFUSED_EXAMPLE] if example else []
    many = extend_schema_view(
        get=extend_schema(
            summary=f"List the {plural} of a scoring model",
            responses={200: output(many=True), 404: NOT_FOUND},
            tags=[tag],
        ),
        post=extend_schema(
            summary=f"Add a {noun} to a draft",
            description="Admin only.",
            request=input_,
            responses={201: output, 400: INVALID, 404: NOT_FOUND, 409: NOT_A_DRAFT},
            examples=[*examples, NOT_A_DRAFT_EXAMPLE],
            tags=[tag],
        ),
    )
    one = extend_schema_view(
        get=extend_schema(
            summary=f"Get a {noun}", responses={200: output, 404: NOT_FOUND}, tags=[tag]
        ),
        patch=extend_schema(
            summary=f"Change a {noun} of a draft",
            description="Admin only.",
            request=input_(partial=True),
            responses={200: output, 400: INVALID, 404: NOT_FOUND, 409: NOT_A_DRAFT},
            examples=[*examples, NOT_A_DRAFT_EXAMPLE],
            tags=[tag],
        ),
        delete=extend_schema(
            summary=f"Delete a {noun} of a draft",
            description="Admin only."
            + (" Deleting a group deletes its rules." if noun == "fit group" else ""),
            responses={204: None, 404: NOT_FOUND, 409: NOT_A_DRAFT},
            tags=[tag],
        ),
    )
    return many, one


_groups, _group = _parts_schema(
    "fit group", "fit groups", serializers.FitGroupOutputSerializer,
    serializers.FitGroupInputSerializer, "scoring rules",
    OpenApiExample("A capped group", request_only=True, value={"name": "role", "cap": 30}),
)  # fmt: skip
_fit_rules, _fit_rule = _parts_schema(
    "fit rule", "fit rules", serializers.FitRuleOutputSerializer,
    serializers.FitRuleInputSerializer, "scoring rules",
    OpenApiExample(
        "Senior roles", request_only=True,
        value={"group": 7, "attribute": "seniority", "operator": "one_of",
               "value": ["vp", "c_level"], "points": 20, "position": 1},
    ),
)  # fmt: skip
_engagement_rules, _engagement_rule = _parts_schema(
    "engagement rule", "engagement rules", serializers.EngagementRuleOutputSerializer,
    serializers.EngagementRuleInputSerializer, "scoring rules",
    OpenApiExample(
        "Pricing page views, fading", request_only=True,
        value={"event_type": "page_view", "property_key": "url",
               "property_operator": "contains", "property_value": "/pricing", "points": 10,
               "half_life_days": 14, "cap": 30, "position": 3},
    ),
)  # fmt: skip


@_groups
class FitGroupListView(DraftPartsView):
    part_model = FitGroup
    input_serializer = serializers.FitGroupInputSerializer
    output_serializer = serializers.FitGroupOutputSerializer


@_group
class FitGroupDetailView(DraftPartView):
    part_model = FitGroup
    input_serializer = serializers.FitGroupInputSerializer
    output_serializer = serializers.FitGroupOutputSerializer


@_fit_rules
class FitRuleListView(DraftPartsView):
    part_model = FitRule
    input_serializer = serializers.FitRuleInputSerializer
    output_serializer = serializers.FitRuleOutputSerializer


@_fit_rule
class FitRuleDetailView(DraftPartView):
    part_model = FitRule
    input_serializer = serializers.FitRuleInputSerializer
    output_serializer = serializers.FitRuleOutputSerializer


@_engagement_rules
class EngagementRuleListView(DraftPartsView):
    part_model = EngagementRule
    input_serializer = serializers.EngagementRuleInputSerializer
    output_serializer = serializers.EngagementRuleOutputSerializer


@_engagement_rule
class EngagementRuleDetailView(DraftPartView):
    part_model = EngagementRule
    input_serializer = serializers.EngagementRuleInputSerializer
    output_serializer = serializers.EngagementRuleOutputSerializer
