"""What a member of staff sets for themselves on the console."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.lib.zones import validate_time_zone


class StaffPreference(models.Model):
    """A member of staff's own settings: the zone they read times in. No row (or an empty zone) means
    the default: their team's region, else the head office's (console.preferences.default_time_zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_preference",
    )
    time_zone = models.CharField(
        _("display time zone"), max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.time_zone or '-'}"
