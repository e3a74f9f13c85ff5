"""API views of the reports app: each report's tables, the same numbers as its page and its
CSV exports, for the period, filters and options of the query string."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from reports.attribution import MODELS
from reports.forms import report_read
from reports.selectors import REPORTS
from smarketing.access import roles
from smarketing.api.errors import ErrorSerializer
from smarketing.roles import ALL_ROLES

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 30 days ago)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)."),
    OpenApiParameter("channel", str, description="The leads' source channel."),
    OpenApiParameter("campaign", int, description="A campaign's id."),
    OpenApiParameter("persona", int, description="A persona's id."),
    OpenApiParameter("team", int, description="A team's id: the leads its members own."),
    OpenApiParameter("owner", int, description="A user's id: the leads they own."),
    OpenApiParameter(
        "by",
        str,
        description="Quality: source, campaign or persona. Attribution: campaign or source.",
    ),  # fmt: skip
    OpenApiParameter("model", str, enum=list(MODELS), description="Attribution's model."),
]


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()


class TableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text="One object a row, "
                                 "keyed by the columns' keys; the last is the total if any.")  # fmt: skip


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    title = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    tables = TableSerializer(many=True)


class ReportView(GenericAPIView):
    access = roles(ALL_ROLES)
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="A report's tables",
        description="`name` is one of: " + ", ".join(f"`{name}`" for name in REPORTS) + ". "
        "The same numbers as the report's page and its CSV exports.",
        parameters=PARAMETERS,
        responses={200: ReportSerializer, 400: OpenApiResponse(ErrorSerializer),
                   404: OpenApiResponse(ErrorSerializer, description="No such report.")},
        tags=["reports"],
    )  # fmt: skip
    def get(self, request, name: str):
        report = REPORTS.get(name)
        if report is None:
            raise NotFound("No such report.")
        form, tables = report_read(report, request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        period = form.period() if report.dated else None
        return Response(
            {
                "report": report.name,
                "title": report.title,
                "start": period.start.date() if period else None,
                "end": period.last_day if period else None,
                "tables": [table.as_json() for table in tables],
            }
        )
