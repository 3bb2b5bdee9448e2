"""The customer portal's pages (portal.views), mounted at /portal/."""

from django.urls import path

from portal import views as portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("file/", portal_views.file_complaint, name="file"),
    path("file/done/", portal_views.complaint_filed, name="filed"),
    path("track/", portal_views.track, name="track"),
    path(
        "incidents/<int:incident_id>/subscribe/", portal_views.incident_subscribe, name="incident_subscribe"
    ),
    path("tickets/<str:number>/", portal_views.ticket_status, name="ticket"),
    path("tickets/<str:number>/confirm/", portal_views.ticket_confirm, name="confirm"),
    path("tickets/<str:number>/reject/", portal_views.ticket_reject, name="reject"),
    path("tickets/<str:number>/rate/", portal_views.ticket_rate, name="rate"),
    path("tickets/<str:number>/reply/", portal_views.ticket_reply, name="reply"),
    path(
        "tickets/<str:number>/attachments/<int:attachment_id>/",
        portal_views.ticket_attachment,
        name="attachment",
    ),
]
