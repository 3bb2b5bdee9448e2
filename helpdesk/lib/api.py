"""Shared pieces of the REST API: pagination, the base permission and the documented error shape.

Kept free of `rest_framework.views` imports: DRF imports this module while building APIView itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers
from rest_framework.pagination import PageNumberPagination

from helpdesk.lib.roles import is_staff_member


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (documented in the OpenAPI schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, so this does not hide Serializer.fields at run
    # time; the stubs cannot know that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class IsStaffMember(permissions.BasePermission):
    """The default for the staff API: a signed-in user who holds a role (or an administrator)."""

    message = _("This requires a staff role.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))


class BoundedDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with its offset, within years 2000–2100 (a year-0426 date would serialise with
    a local-mean-time offset and is never a real complaint time)."""

    default_error_messages = {
        "out_of_range": _("Give a time between the years 2000 and 2100."),
        "naive": _("Give the time with its UTC offset, e.g. 2026-01-31T09:30:00+07:00."),
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str) and len(value) > 64:
            self.fail("invalid", format="ISO 8601")
        parsed = super().to_internal_value(value)
        if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= parsed <= dt.datetime(2100, 1, 1, tzinfo=dt.UTC):
            self.fail("out_of_range")
        return parsed

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            self.fail("naive")
        return super().enforce_timezone(value)
