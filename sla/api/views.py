"""API views of the sla app: the agreement's versions (read by every role, drafted by the
admin role, signed by each team) and the teams' business hours. The same services as the
SLA page write."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from sla import selectors
from sla.api import serializers
from sla.filters import ClockFilter
from sla.goals import goals_listed, goals_progress
from sla.models import Agreement, Clock, Goal, RoutingRule, Team, TeamMember
from sla.services import (
    agreement_delete,
    agreement_draft,
    agreement_sign,
    agreement_update,
    goal_delete,
    goal_save,
    routing_rule_delete,
    routing_rule_save,
)
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import ErrorSerializer, service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

READ = roles(ALL_ROLES)
DRAFT = roles(Role.ADMIN)
# Who reaches the sign endpoint; whether the user signs for the team asked is the service's
# to say (403 with the reason), so the admin who drafts learns why it cannot sign.
SIGN = roles(MARKETING_ROLES, Role.SALES_MANAGER, Role.ADMIN)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such version.")
INVALID = OpenApiResponse(ErrorSerializer, description="Field errors, or a signed version.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not allowed for this role.")
TAGS = ["sla"]


def _shown(pk: int) -> dict:
    return serializers.AgreementOutputSerializer(selectors.agreements().get(pk=pk)).data


class AgreementListView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = DRAFT
    filter_backends: list = []
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-version",)}

    @extend_schema(
        summary="The agreement's versions",
        description="Newest first, each with its terms and its signatures. The version in "
        "force is the signed one with the latest `effective_from` that has passed.",
        responses={200: serializers.AgreementOutputSerializer(many=True), 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.agreements())
        return self.get_paginated_response(
            serializers.AgreementOutputSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Draft a new version",
        description="Terms left out are copied from the latest version. Admins only.",
        request=serializers.AgreementInputSerializer,
        responses={201: serializers.AgreementOutputSerializer, 400: INVALID, 403: FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.AgreementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            agreement = agreement_draft(actor=request.user, data=serializer.validated_data)
        return Response(_shown(agreement.pk), status=status.HTTP_201_CREATED)


class AgreementDetailView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = DRAFT
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="A version of the agreement",
        responses={200: serializers.AgreementOutputSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, agreement_id: int):
        get_object_or_404(Agreement, pk=agreement_id)
        return Response(_shown(agreement_id))

    @extend_schema(
        summary="Change a draft",
        description="Withdraws any signature on it; a version signed by both teams is fixed "
        "(400). Admins only.",
        request=serializers.AgreementInputSerializer,
        responses={
            200: serializers.AgreementOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    def patch(self, request, agreement_id: int):
        agreement = get_object_or_404(Agreement, pk=agreement_id)
        serializer = serializers.AgreementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            agreement_update(agreement=agreement, data=serializer.validated_data)
        return Response(_shown(agreement_id))

    @extend_schema(
        summary="Delete a draft",
        description="A signed version stays on record (400). Admins only.",
        responses={204: None, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, agreement_id: int):
        agreement = get_object_or_404(Agreement, pk=agreement_id)
        with service_errors():
            agreement_delete(agreement=agreement)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgreementSignView(GenericAPIView):
    access = SIGN
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Sign a version for a team",
        description="Marketing signs for marketing, a sales manager for sales. The second "
        "signature fixes the version and puts it in force at its `effective_from` (or now, "
        "if that has passed). Signing again changes nothing.",
        request=serializers.SignSerializer,
        responses={
            200: serializers.AgreementOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    def post(self, request, agreement_id: int):
        agreement = get_object_or_404(Agreement, pk=agreement_id)
        serializer = serializers.SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            agreement_sign(
                agreement=agreement,
                user=request.user,
                function=serializer.validated_data["function"],
            )
        return Response(_shown(agreement_id))


class TeamListView(GenericAPIView):
    access = READ
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Teams and their business hours",
        responses={200: serializers.TeamOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        teams = Team.objects.select_related("manager").prefetch_related(
            "days_off", Prefetch("members", queryset=TeamMember.objects.select_related("user"))
        )
        return Response(serializers.TeamOutputSerializer(teams, many=True).data)


class ClockListView(GenericAPIView):
    access = READ
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClockFilter
    pagination_class = KeysetPagination
    keyset_orders = {"due": ("due_at", "id"), "newest": ("-started_at", "-id")}
    queryset = Clock.objects.none()

    @extend_schema(
        summary="SLA clocks",
        description="Sales' promises on each MQL, timed: filter by `kind`, `status`, "
        "`breached` (the breaches: `true`), `lead` and `owner`.",
        responses={200: serializers.ClockOutputSerializer(many=True), 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        clocks = self.filter_queryset(Clock.objects.select_related("owner", "agreement"))
        page = self.paginate_queryset(clocks)
        return self.get_paginated_response(serializers.ClockOutputSerializer(page, many=True).data)


ROUTE = roles(Role.ADMIN)
RULE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such rule.")


def _rules():
    return RoutingRule.objects.select_related("team").prefetch_related("personas")


def _rule_save(serializer, rule=None) -> RoutingRule:
    data = dict(serializer.validated_data)
    personas = data.pop("personas", None)
    with service_errors():
        return routing_rule_save(rule=rule, data=data, personas=personas)


class RoutingRuleListView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = ROUTE
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Routing rules, in the order they are tried",
        responses={200: serializers.RoutingRuleOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        rules = _rules().order_by("position", "id")
        return Response(serializers.RoutingRuleOutputSerializer(rules, many=True).data)

    @extend_schema(
        summary="Add a routing rule",
        description="Applies to leads that become MQLs from now on. Admins only.",
        request=serializers.RoutingRuleInputSerializer,
        responses={201: serializers.RoutingRuleOutputSerializer, 400: INVALID, 403: FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.RoutingRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = _rule_save(serializer)
        shown = serializers.RoutingRuleOutputSerializer(_rules().get(pk=rule.pk)).data
        return Response(shown, status=status.HTTP_201_CREATED)


class RoutingRuleDetailView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = ROUTE
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="A routing rule",
        responses={200: serializers.RoutingRuleOutputSerializer, 404: RULE_NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, rule_id: int):
        return Response(
            serializers.RoutingRuleOutputSerializer(get_object_or_404(_rules(), pk=rule_id)).data
        )

    @extend_schema(
        summary="Change a routing rule",
        description="Fields left out keep their value. Admins only.",
        request=serializers.RoutingRuleInputSerializer,
        responses={
            200: serializers.RoutingRuleOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: RULE_NOT_FOUND,
        },
        tags=TAGS,
    )
    def patch(self, request, rule_id: int):
        rule = get_object_or_404(RoutingRule, pk=rule_id)
        serializer = serializers.RoutingRuleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _rule_save(serializer, rule)
        return Response(serializers.RoutingRuleOutputSerializer(_rules().get(pk=rule_id)).data)

    @extend_schema(
        summary="Delete a routing rule",
        description="Leads it routed keep their owners. Admins only.",
        responses={204: None, 403: FORBIDDEN, 404: RULE_NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, rule_id: int):
        rule = get_object_or_404(RoutingRule, pk=rule_id)
        routing_rule_delete(rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- goals -------------------------------------------------------------------------------------

GOAL_SETTERS = roles(Role.ADMIN, Role.MARKETING_MANAGER, Role.SALES_MANAGER)
GOAL_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such goal.")
GOAL_INVALID = OpenApiResponse(ErrorSerializer, description="Field errors.")


def _goals_shown(goals) -> list:
    goals = list(goals)
    context = {"progress": goals_progress(goals)}
    return serializers.GoalOutputSerializer(goals, many=True, context=context).data


class GoalListView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = GOAL_SETTERS
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="The shared goals",
        description="Each with its progress, computed now from the stage changes and the SLA "
        "clocks, and its projection to the end of its period.",
        responses={200: serializers.GoalOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(_goals_shown(goals_listed()))

    @extend_schema(
        summary="Set a shared goal",
        description="Admins and the managers of either team.",
        request=serializers.GoalInputSerializer,
        responses={201: serializers.GoalOutputSerializer, 400: GOAL_INVALID, 403: FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.GoalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            goal = goal_save(data=serializer.validated_data, actor=request.user)
        return Response(_goals_shown(goals_listed().filter(pk=goal.pk))[0], status=201)


class GoalDetailView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = GOAL_SETTERS
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="A shared goal",
        responses={200: serializers.GoalOutputSerializer, 404: GOAL_NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, goal_id: int):
        return Response(_goals_shown([get_object_or_404(goals_listed(), pk=goal_id)])[0])

    @extend_schema(
        summary="Change a shared goal",
        request=serializers.GoalInputSerializer,
        responses={
            200: serializers.GoalOutputSerializer,
            400: GOAL_INVALID,
            403: FORBIDDEN,
            404: GOAL_NOT_FOUND,
        },
        tags=TAGS,
    )
    def patch(self, request, goal_id: int):
        goal = get_object_or_404(Goal, pk=goal_id)
        serializer = serializers.GoalInputSerializer(goal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            goal_save(goal=goal, data=serializer.validated_data, actor=request.user)
        return Response(_goals_shown([get_object_or_404(goals_listed(), pk=goal_id)])[0])

    @extend_schema(
        summary="Delete a shared goal",
        responses={204: None, 403: FORBIDDEN, 404: GOAL_NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, goal_id: int):
        goal_delete(goal=get_object_or_404(Goal, pk=goal_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
