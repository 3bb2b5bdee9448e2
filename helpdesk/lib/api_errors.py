"""The API's one exception handler: every error leaves as `{code, message, fields}`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from helpdesk.lib.errors import DomainError
from helpdesk.lib.humane import humane_api_message
from helpdesk.lib.parsers import JSONTooDeep


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as `{"field" or "field.sub": [messages]}`, DRF's default texts said as
    sentences (helpdesk.lib.humane)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key in ("non_field_errors",) and not prefix:
                name = "non_field_errors"
            for sub, messages in _flatten(value, name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(
                humane_api_message(str(item)) for item in detail
            )
        else:
            for index, item in enumerate(detail):
                for sub, messages in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(sub, []).extend(messages)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(humane_api_message(str(detail)))
    return out


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
) -> Response:
    return Response({"code": code, "message": message, "fields": fields or {}}, status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as `{code, message, fields}`."""
    if isinstance(exc, DomainError):
        return error_response(exc.status_code, exc.code, exc.message, exc.fields)
    # Raised by Django while DRF reads the body; left alone they become Django's HTML 400 page.
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "request_too_large", _("The request is too large."))
    if isinstance(exc, SuspiciousOperation):
        return error_response(400, "invalid_request", _("The request could not be read."))
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = {
            "code": "invalid",
            "message": _("Some fields are not valid; see the messages for each field."),
            "fields": fields,
        }
        return response
    if isinstance(exc, exceptions.ParseError) and not isinstance(exc, JSONTooDeep):
        # DRF's text carries the parser's own ("JSON parse error - Expecting value: line 1 column 1").
        response.data = {
            "code": "parse_error",
            "message": _("The request body could not be read: send valid JSON (or a form)."),
            "fields": {},
        }
        return response
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = exc.get_codes() if not isinstance(detail, dict | list) else exc.default_code
        message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
        response.data = {
            "code": code if isinstance(code, str) else exc.default_code,
            "message": message,
            "fields": {},
        }
    return response
