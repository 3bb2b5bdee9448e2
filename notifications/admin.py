from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "template",
        "channel",
        "recipient",
        "email",
        "phone",
        "created_at",
        "sent_at",
        "delivery_status",
    ]
    list_filter = ["channel", "template", "delivery_status"]
    raw_id_fields = ["ticket", "recipient"]
