from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        # Invalidation of the memoised SLA configuration after any write (see sla.config).
        from sla import config

        post_save.connect(config.on_model_written, dispatch_uid="sla-config-saved")
        post_delete.connect(config.on_model_written, dispatch_uid="sla-config-deleted")
        post_migrate.connect(config.on_migrated, dispatch_uid="sla-config-migrated")
        m2m_changed.connect(config.on_relation_changed, dispatch_uid="sla-config-relation")
