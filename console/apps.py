from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Staff console")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from console.preferences import remember_on_login

        # Not a domain side effect: the session learns the viewer's zone once, so pages need no query.
        user_logged_in.connect(remember_on_login, dispatch_uid="console-remember-time-zone")
