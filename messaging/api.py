"""The generic signed endpoint: any other channel (X/Twitter, a chat widget) posts its customers'
messages here, signed with CHANNEL_WEBHOOK_SECRET."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import payloads, services

SIGNATURE_HEADER = "X-Helpdesk-Signature"


class SenderSerializer(serializers.Serializer[dict[str, Any]]):
    handle = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("handle") or attrs.get("phone") or attrs.get("email")):
            raise serializers.ValidationError(_("Give the sender's handle, phone or email."))
        return attrs


class InboundSerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.SlugField(max_length=30, help_text="The channel's name, e.g. twitter or chat.")
    message_id = serializers.CharField(max_length=150, help_text="The channel's id of the message (once).")
    sender = SenderSerializer()
    text = serializers.CharField(max_length=10_000)
    public = serializers.BooleanField(default=False, help_text="Posted in public (a tweet, a comment).")
    automated = serializers.BooleanField(default=False, help_text="Sent by a machine: recorded, ignored.")
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class InboundResultSerializer(serializers.Serializer[dict[str, Any]]):
    outcome = serializers.ChoiceField(choices=["created", "threaded", "ignored"])
    ticket = serializers.CharField(allow_null=True, help_text="The ticket's number, if any.")


class GenericInboundView(APIView):
    """A message from any other channel, recorded once by (channel, message_id)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="channels_inbound",
        summary="A customer's message from another channel (signed)",
        description=(
            f"The body is signed: header `{SIGNATURE_HEADER}: sha256=<hex>`, the HMAC-SHA256 of the raw "
            "request body with CHANNEL_WEBHOOK_SECRET. The message becomes a complaint or joins the "
            "sender's open ticket; a public one is marked public exposure. 404 when the secret is not set."
        ),
        parameters=[
            OpenApiParameter(SIGNATURE_HEADER, location=OpenApiParameter.HEADER, required=True, type=str)
        ],
        request=InboundSerializer,
        responses={
            202: InboundResultSerializer,
            400: OpenApiResponse(description="A field is not valid."),
            403: OpenApiResponse(description="Bad signature; nothing recorded."),
            404: OpenApiResponse(description="The channel is not configured."),
        },
        tags=["channels"],
    )
    def post(self, request: Request) -> Response:
        secret = settings.CHANNELS["CHANNEL_WEBHOOK_SECRET"]
        if not secret:
            raise NotFound(_("The generic channel is not configured."))
        header = request.headers.get(SIGNATURE_HEADER, "")
        if not payloads.signature_valid(body=request.body, header=header, secret=secret):
            raise PermissionDenied(_("Bad signature."))
        serializer = InboundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.inbound_receive(incoming=payloads.generic(serializer.validated_data))
        ticket = record.ticket.number if record.ticket is not None else None
        return Response({"outcome": record.outcome, "ticket": ticket}, status=status.HTTP_202_ACCEPTED)
