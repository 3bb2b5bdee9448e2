"""Shared pieces of the REST API: pagination, the base permission and the documented error shape.

Kept free of `rest_framework.views` imports: DRF imports this module while building APIView itself."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers
from rest_framework.pagination import PageNumberPagination

from helpdesk.lib.roles import is_staff_member


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (documented in the OpenAPI schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class IsStaffMember(permissions.BasePermission):
    """The default for the staff API: a signed-in user who holds a role (or an administrator)."""

    message = _("This requires a staff role.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and is_staff_member(request.user))
