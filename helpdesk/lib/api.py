"""Shared pieces of the REST API: pagination, the base permission and the documented error shape.

Kept free of `rest_framework.views` imports: DRF imports this module while building APIView itself."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, ClassVar

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, authentication, exceptions, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField
from rest_framework.pagination import BasePagination
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from helpdesk.lib import keyset
from helpdesk.lib.roles import is_staff_member, remember_roles


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (documented in the OpenAPI schema)."""

    code = serializers.CharField()
    message = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, so this does not hide Serializer.fields at run
    # time; the stubs cannot know that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class QuickRepresentation:
    """A read serializer mixin: `to_representation` as DRF's, with the reading of each field made cheap.

    DRF reads every field of every row through `Field.get_attribute` (a walk of the source with a
    Mapping check, a callable check and error handling) and turns each date-time into the active zone
    by looking that zone up again; for a list of fifty tickets (~1,500 fields) that was a third of the
    request in a cProfile of `/api/tickets/`, halved by this (bench/README.md, "Rows and badges").
    Here a field sourced from one plain attribute, with DRF's own `get_attribute`, is read with
    `getattr`, and a date-time printed as ISO 8601 is put in the zone looked up once per row. Everything
    else (method fields, relations, a missing attribute, a method named as the source, a naive date-time,
    other formats) goes DRF's way, so the output is DRF's to the byte
    (tests/test_api_representation.py compares the two)."""

    # On each serializer instance (a list's one child serves all its rows): (name, attribute or None,
    # is an ISO-8601 date-time, field) for each readable field, in DRF's order.
    _reading_plan: list[tuple[str, str | None, bool, Any]]

    def _plan(self) -> list[tuple[str, str | None, bool, Any]]:
        plan = self.__dict__.get("_reading_plan")
        if plan is None:
            plan = []
            for field in self._readable_fields:  # type: ignore[attr-defined]
                simple = (
                    len(field.source_attrs) == 1
                    and type(field).get_attribute is serializers.Field.get_attribute
                )
                iso_datetime = (
                    isinstance(field, serializers.DateTimeField)
                    and not hasattr(field, "timezone")
                    and str(getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
                )
                plan.append(
                    (field.field_name, field.source_attrs[0] if simple else None, iso_datetime, field)
                )
            self.__dict__["_reading_plan"] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        zone = timezone.get_current_timezone()
        representation: dict[str, Any] = {}
        for name, attribute_name, iso_datetime, field in self._plan():
            if attribute_name is not None:
                try:
                    value = getattr(instance, attribute_name)
                except AttributeError:
                    pass  # DRF's way below: a default, null or the field left out
                else:
                    if callable(value):
                        value = field.get_attribute(instance)  # a method named as the source: called
                        if value is None:
                            representation[name] = None
                            continue
                        representation[name] = field.to_representation(value)
                        continue
                    if value is None:
                        representation[name] = None
                        continue
                    if iso_datetime and isinstance(value, dt.datetime) and value.tzinfo is not None:
                        try:
                            text = value.astimezone(zone).isoformat()
                        except OverflowError:
                            pass  # DRF's way: its own error
                        else:
                            representation[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                            continue
                    representation[name] = field.to_representation(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            representation[name] = None if check_for_none is None else field.to_representation(attribute)
        return representation


class BuiltOnceModelSerializer(QuickRepresentation, serializers.ModelSerializer):
    """A ModelSerializer whose fields are built from the model once per class, then copied for each
    instance, as DRF copies a plain Serializer's declared fields. DRF builds them again for every
    instance (model introspection, each field's arguments worked out anew): half the CPU of serialising
    one ticket (the 201 of `POST /api/tickets/`). Only for serializers whose fields depend on nothing but
    the class (no `get_fields` reading the instance, the context or the request)."""

    _prototypes: ClassVar[dict[type, dict[str, Any]]] = {}

    def get_fields(self) -> dict[str, Any]:
        prototype = BuiltOnceModelSerializer._prototypes.get(type(self))
        if prototype is None:
            prototype = BuiltOnceModelSerializer._prototypes[type(self)] = super().get_fields()
        return copy.deepcopy(prototype)


class Pagination(BasePagination):
    """Keyset pagination for every list of the staff API (helpdesk.lib.keyset): `?cursor=` from the
    previous page's `next` link, `?page_size=` up to 200, and `?ordering=` among the list's own sorts
    (the view's `orderings`, default its first). `count` is exact up to 10,000; past that it stays at
    10,000 and `count_is_exact` is false (no COUNT over the whole table on every request)."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"

    def _page_size(self, request: Any) -> int:
        raw = str(request.query_params.get("page_size", "")).strip()
        if raw.isascii() and raw.isdigit():
            return max(1, min(int(raw), self.max_page_size))
        return self.page_size

    @staticmethod
    def orderings_of(view: Any) -> list[str]:
        return list(getattr(view, "orderings", None) or ["-pk"])

    def _ordering(self, request: Any, view: Any) -> keyset.Ordering:
        allowed = self.orderings_of(view)
        chosen = str(request.query_params.get("ordering", "") or allowed[0])
        if chosen not in allowed:
            message = str(_("Sort by one of: %(allowed)s.") % {"allowed": ", ".join(allowed)})
            raise ValidationError({"ordering": [message]})
        return keyset.Ordering.parse(chosen)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        ordering = self._ordering(request, view)
        self.count, self.more = keyset.capped_count(queryset)
        self.page = keyset.keyset_page(
            queryset,
            ordering=ordering,
            cursor=request.query_params.get(self.cursor_query_param),
            size=self._page_size(request),
        )
        return self.page.rows

    def get_next_link(self) -> str | None:
        if self.page.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.page.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_is_exact": not self.more,
                "next": self.get_next_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_is_exact", "next", "results"],
            "properties": {
                "count": {"type": "integer", "description": "exact up to 10,000"},
                "count_is_exact": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the `next` link of the page before.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": "Rows per page (at most 200).",
                "schema": {"type": "integer"},
            },
            {
                "name": "ordering",
                "required": False,
                "in": "query",
                "description": "Sort; a minus sign means descending.",
                "schema": {"type": "string", "enum": self.orderings_of(view)},
            },
        ]


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


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the person's roles read in the same query (a script or the mass
    of portal-facing integrations posting complaints pays one query to be known, not two)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from rest_framework.authtoken.models import Token

        token = (
            Token.objects.select_related("user")
            .annotate(role_names=ArrayAgg("user__groups__name", distinct=True, default=Value([])))
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_roles(token.user, [name for name in token.role_names if name])
        return token.user, token
