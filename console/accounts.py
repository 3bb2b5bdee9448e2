"""Staff accounts: the password reset, whose mail goes through the outbox (owed in the request, sent by
the worker with a timeout: a hung mail server holds no page), throttled per address and per client, and
answered the same whether or not an account has that address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django_ratelimit.core import is_ratelimited

from helpdesk.lib.clients import client_ip
from notifications.models import NotificationChannel
from notifications.services import notify_staff


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, with its mail owed through the outbox instead of sent in the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        notify_staff(
            users=[user],
            template="password_reset",
            ticket=None,
            # The link is a secret: the outbox forgets it once the mail is sent (SENSITIVE_TEMPLATES).
            context={
                "username": user.get_username(),
                "link": f"{settings.HELPDESK['PUBLIC_BASE_URL']}{path}",
            },
            dedupe_key=f"password-reset:{user.pk}:{context['token']}",
            channels=(NotificationChannel.EMAIL,),
        )


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a reset link: at most a few per address and per client an hour (settings
    PASSWORD_RESET_RATE), silently — the answer never tells whether an address has an account."""

    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rate = settings.HELPDESK["PASSWORD_RESET_RATE"]
        address = str(request.POST.get("email", "")).strip().lower()[:254]
        limited = is_ratelimited(
            request, group="password-reset:client", key=client_ip, rate=rate, method="POST", increment=True
        )
        limited = (
            is_ratelimited(
                request,
                group="password-reset:address",
                key=lambda _group, _request: address,
                rate=rate,
                method="POST",
                increment=True,
            )
            or limited
        )
        if limited:
            return HttpResponseRedirect(str(self.success_url))
        return super().post(request, *args, **kwargs)
