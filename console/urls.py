"""The staff console's pages (console.views), mounted at /console/."""

from django.urls import path

from console import views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/act/<str:action>/", views.ticket_action, name="ticket_action"),
    path(
        "tickets/<str:number>/attachments/<int:attachment_id>/",
        views.ticket_attachment,
        name="ticket_attachment",
    ),
    path("customers/lookup/", views.customer_lookup, name="customer_lookup"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
]
