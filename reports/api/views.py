"""The reports API (API.md "Corrective action" and "Reports"): RCAs, CAPA reports with their actions,
the monthly snapshot as JSON or a download, the managers' overview, and CSI surveys. Thin: roles are
checked here, reads go through reports.selectors, writes through reports.services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from helpdesk.lib.api import ErrorSerializer
from helpdesk.lib.errors import InvalidInput, NotFound
from helpdesk.lib.http import signed_in_user
from reports import exports, recap, selectors, services
from reports.api import serializers as s
from reports.models import CapaReport, SurveyCampaign, SurveyInvitation

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `fields` says what is wrong"),
    403: OpenApiResponse(ErrorSerializer, description="Your role does not allow this"),
    404: OpenApiResponse(ErrorSerializer, description="Not found"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the record's current state"),
}


class CapaAccess(permissions.BasePermission):
    """RCAs and CAPA reports: technicians, analysts, supervisors and managers write; directors read."""

    # Replaced per request by the reason that applies (already in the request's language).
    message: str | Promise = gettext_lazy(
        "RCA and CAPA records are for technicians, analysts, supervisors, managers and directors."
    )

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return selectors.can_read_capa(request.user)
        if not selectors.can_write_capa(request.user):
            self.message = _("Directors can read RCA and CAPA records but not change them.")
            return False
        return True


class ReportAccess(permissions.BasePermission):
    """The recap, the overview and survey results: managers, directors, analysts and supervisors."""

    message = gettext_lazy("Reports are for managers, directors, analysts and supervisors.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return selectors.can_read_reports(request.user)


def _without_prefix(exc: InvalidInput, prefix: str) -> InvalidInput:
    fields = {key.removeprefix(prefix): messages for key, messages in exc.fields.items()}
    return InvalidInput(exc.message, code=exc.code, fields=fields)


# --- RCAs ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.RcaInput, responses={201: s.RcaSerializer, **ERRORS}),
    update=extend_schema(request=s.RcaInput, responses={200: s.RcaSerializer, **ERRORS}),
    partial_update=extend_schema(request=s.RcaInput, responses={200: s.RcaSerializer, **ERRORS}),
)
class RcaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Root cause analyses with the numbers of the first tickets each covers (`tickets_more` when there are
    more than listed; `/api/tickets/?rca=<id>` lists them all)."""

    serializer_class = s.RcaSerializer
    permission_classes = [CapaAccess]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.rca_list()

    def _one(self, pk: int) -> Any:
        (rca,) = selectors.with_ticket_numbers([self.get_queryset().get(pk=pk)])
        return rca

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.with_ticket_numbers(page or [])
        return self.get_paginated_response(s.RcaSerializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        (rca,) = selectors.with_ticket_numbers([self.get_object()])
        return Response(s.RcaSerializer(rca).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.RcaInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rca = services.rca_create(author=signed_in_user(request), data=dict(data.validated_data))
        except InvalidInput as exc:
            raise _without_prefix(exc, "rca.") from exc
        return Response(s.RcaSerializer(self._one(rca.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rca = self.get_object()
        data = s.RcaInput(data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not kwargs.get("partial", False):
            for name in (*services.RCA_TEXT_FIELDS, "category"):
                values.setdefault(name, "")
        services.rca_update(rca=rca, data=values, actor=signed_in_user(request))
        return Response(s.RcaSerializer(self._one(rca.pk)).data)


# --- CAPA ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.CapaInput, responses={201: s.CapaReportSerializer, **ERRORS}),
    update=extend_schema(request=s.CapaInput, responses={200: s.CapaReportSerializer, **ERRORS}),
    partial_update=extend_schema(request=s.CapaInput, responses={200: s.CapaReportSerializer, **ERRORS}),
    close=extend_schema(request=s.CapaSettleInput, responses={200: s.CapaReportSerializer, **ERRORS}),
    withdraw=extend_schema(request=s.CapaSettleInput, responses={200: s.CapaReportSerializer, **ERRORS}),
)
class CapaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """CAPA reports and their actions. On update, each entry of `actions` with an `id` changes that
    action (`verified: true` with a `verification_note` records the check that a done action worked);
    an entry without `id` adds an action. Nothing is deleted (SOP §8): actions are cancelled, reports
    closed (`POST …/close/`, once every action is done or cancelled) or withdrawn (`POST …/withdraw/`,
    cancelling what is pending), each with a `reason`; every change is kept in the record's history."""

    serializer_class = s.CapaReportSerializer
    permission_classes = [CapaAccess]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.capa_report_list()

    def _output(self, report: CapaReport, code: int = status.HTTP_200_OK) -> Response:
        return Response(s.CapaReportSerializer(self.get_queryset().get(pk=report.pk)).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.CapaInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = services.capa_create(
            author=signed_in_user(request),
            title=values.get("title", ""),
            summary=values.get("summary", ""),
            rca=values.get("rca"),
            actions=[
                {k: v for k, v in action.items() if k not in ("id", "verified", "verification_note")}
                for action in values.get("actions", [])
            ],
        )
        return self._output(report, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        data = s.CapaInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.capa_revise(
            report=report,
            actor=signed_in_user(request),
            data={k: v for k, v in values.items() if k != "actions"},
            actions=values.get("actions", []),
            now=timezone.now(),
        )
        return self._output(report)

    def _settle(self, request: Request, settle: Any) -> Response:
        report = self.get_object()
        data = s.CapaSettleInput(data=request.data)
        data.is_valid(raise_exception=True)
        settle(report=report, actor=signed_in_user(request), reason=data.validated_data["reason"])
        return self._output(report)

    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._settle(request, services.capa_close)

    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._settle(request, services.capa_withdraw)


# --- The monthly snapshot -----------------------------------------------------------------------------------


class IgnoreFormatParameter(DefaultContentNegotiation):
    """DRF reads `?format=` to choose a renderer. The report endpoint's `format` chooses a download
    (csv, xlsx, pdf) instead, so negotiation here looks only at the Accept header."""

    # DRF reads only URL_FORMAT_OVERRIDE from here, and documents None as "no override"; the stubs want
    # the whole settings object, whose URL_FORMAT_OVERRIDE they type as a str.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]


DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", exports.monthly_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.monthly_xlsx),
    "pdf": ("application/pdf", exports.monthly_pdf_cached),
}


class MonthlyReportView(APIView):
    """`GET /api/reports/monthly/{YYYY-MM}/`: the month's snapshot as JSON, or with `?format=csv|xlsx|pdf`
    the same snapshot as a download. 404 when the month has no snapshot (yet)."""

    permission_classes = [ReportAccess]
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv", "xlsx", "pdf"], required=False),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    def get(self, request: Request, month: str) -> Response | HttpResponse:
        wanted = request.query_params.get("format", "json") or "json"
        if wanted != "json" and wanted not in DOWNLOADS:
            message = _("Choose format json, csv, xlsx or pdf.")
            raise InvalidInput(message, code="bad_format", fields={"format": [message]})
        first_day = recap.parse_month(month)
        report = selectors.monthly_report_get(first_day)
        if report is None:
            raise NotFound(
                _("There is no monthly report for %(month)s yet.") % {"month": recap.month_key(first_day)},
                code="report_not_found",
            )
        if wanted == "json":
            return Response(
                {
                    "month": recap.month_key(report.month),
                    "built_at": report.built_at,
                    "built_by": getattr(report.built_by, "username", None),
                    "data": report.data,
                }
            )
        content_type, render = DOWNLOADS[wanted]
        response = HttpResponse(render(report), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="monthly-report-{report}.{wanted}"'
        return response


class OverviewView(APIView):
    """`GET /api/reports/overview/?period=day|week`: the managers' view of backlog, breaches,
    escalations and NPS against its target, as of now."""

    permission_classes = [ReportAccess]

    @extend_schema(
        parameters=[OpenApiParameter("period", str, enum=list(selectors.PERIODS), required=False)],
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        period = request.query_params.get("period", "day")
        if period not in selectors.PERIODS:
            message = _("Choose period day, week or month.")
            raise InvalidInput(message, code="bad_period", fields={"period": [message]})
        return Response(selectors.overview(period, timezone.now()))


# --- CSI surveys --------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.CampaignInput, responses={201: s.CampaignSerializer, **ERRORS})
)
class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """CSI survey campaigns; `GET /api/surveys/{id}/results/` gives response rate and average CSI."""

    serializer_class = s.CampaignSerializer
    permission_classes = [ReportAccess]

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.csi_campaign_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.csi_campaign_create(actor=signed_in_user(request), **data.validated_data)
        return Response(
            s.CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: ERRORS[404]})
    def results(self, request: Request, pk: str | None = None) -> Response:
        campaign: SurveyCampaign = self.get_object()
        return Response(selectors.csi_results(campaign))


class SurveyAnswerView(APIView):
    """The customer's side of a CSI survey, reached by the secret link in the invitation email:
    GET shows the questions, POST answers them once."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "portal"

    def _invitation(self, token: str) -> SurveyInvitation:
        found = SurveyInvitation.objects.select_related("campaign").filter(token=token[:64]).first()
        if found is None:
            raise NotFound(_("This survey link is not valid."), code="survey_not_found")
        return found

    @extend_schema(responses={200: s.SurveyQuestionsSerializer, 404: ERRORS[404]})
    def get(self, request: Request, token: str) -> Response:
        invitation = self._invitation(token)
        return Response(
            {
                "campaign": invitation.campaign.name,
                "closes_at": invitation.campaign.closes_at,
                "answered": invitation.answered_at is not None,
                "questions": s.survey_questions(),
            }
        )

    @extend_schema(request=s.SurveyAnswerInput, responses={204: None, **ERRORS})
    def post(self, request: Request, token: str) -> Response:
        data = s.SurveyAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.csi_answer(
            token=token, scores=data.validated_data["scores"], comment=data.validated_data.get("comment", "")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
