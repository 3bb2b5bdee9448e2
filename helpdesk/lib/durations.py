"""Durations as people read and type them: hours and minutes, stored as whole minutes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def duration_label(minutes: int | None) -> str:
    """90 → "1 h 30 min", 120 → "2 h", 45 → "45 min", 0 → "0 min"."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": rest}


class HoursMinutesWidget(forms.MultiWidget):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            [
                forms.NumberInput(
                    attrs={"min": 0, "style": "width: 6em", "aria-label": gettext_lazy("hours")}
                ),
                forms.NumberInput(
                    attrs={"min": 0, "max": 59, "style": "width: 5em", "aria-label": gettext_lazy("minutes")}
                ),
            ],
            attrs,
        )

    def decompress(self, value: Any) -> list[int | None]:
        if value in (None, ""):
            return [None, None]
        return list(divmod(int(value), 60))


class HoursMinutesField(forms.MultiValueField):
    """A duration typed as hours and minutes (either may be left empty as 0), cleaned to minutes."""

    widget = HoursMinutesWidget

    def __init__(self, *, min_minutes: int = 0, max_minutes: int | None = None, **kwargs: Any) -> None:
        self.min_minutes = min_minutes
        self.max_minutes = max_minutes
        kwargs.pop("max_length", None)
        super().__init__(
            fields=(
                forms.IntegerField(min_value=0, required=False),
                forms.IntegerField(min_value=0, max_value=59, required=False),
            ),
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list: list[int | None]) -> int | None:
        if not data_list or all(part is None for part in data_list):
            return None
        hours, minutes = (part or 0 for part in data_list)
        total = hours * 60 + minutes
        if total < self.min_minutes:
            raise ValidationError(
                _("At least %(duration)s.") % {"duration": duration_label(self.min_minutes)}, code="min_value"
            )
        if self.max_minutes is not None and total > self.max_minutes:
            raise ValidationError(
                _("At most %(duration)s.") % {"duration": duration_label(self.max_minutes)}, code="max_value"
            )
        return total
