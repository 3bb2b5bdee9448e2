from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["template", "channel", "recipient", "email", "created_at", "sent_at", "attempts"]
    list_filter = ["channel", "template"]
    raw_id_fields = ["ticket", "recipient"]
