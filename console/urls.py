"""The staff console's pages (console.views, console.incident_views), mounted at /console/."""

from django.urls import path

from console import incident_views, macro_views, preference_views, views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("link-incident/", incident_views.queue_link, name="queue_link"),
    path("bulk/<str:action>/", views.queue_bulk, name="queue_bulk"),
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<int:view_id>/rename/", views.saved_view_rename, name="saved_view_rename"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/deadlines/<str:clock>/", views.ticket_deadline, name="ticket_deadline"),
    path("tickets/<str:number>/act/<str:action>/", views.ticket_action, name="ticket_action"),
    path("tickets/<str:number>/confirm-close/", views.ticket_confirm_close, name="ticket_confirm_close"),
    path("tickets/<str:number>/attach/", views.ticket_attach, name="ticket_attach"),
    path(
        "tickets/<str:number>/attachments/<int:attachment_id>/",
        views.ticket_attachment,
        name="ticket_attachment",
    ),
    path("customers/lookup/", views.customer_lookup, name="customer_lookup"),
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/new/", incident_views.incident_new, name="incident_new"),
    path("incidents/<int:incident_id>/", incident_views.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/update/", incident_views.incident_post_update, name="incident_update"),
    path(
        "incidents/<int:incident_id>/restoration/",
        incident_views.incident_change_restoration,
        name="incident_restoration",
    ),
    path("incidents/<int:incident_id>/resolve/", incident_views.incident_resolve, name="incident_resolve"),
    path("macros/", macro_views.macro_list, name="macros"),
    path("macros/new/", macro_views.macro_edit, name="macro_new"),
    path("macros/<int:macro_id>/", macro_views.macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/active/", macro_views.macro_active, name="macro_active"),
    path("inbox/", views.inbox, name="inbox"),
    path("settings/", preference_views.my_settings, name="my_settings"),
    path("inbox/<int:notification_id>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
]
