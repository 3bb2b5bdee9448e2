"""Supervisor pages (console.escalation_views), mounted at /escalations/."""

from django.urls import path

from console import escalation_views as views

app_name = "escalations"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("board/", views.board, name="board"),
    path("<int:escalation_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:escalation_id>/reassign/", views.reassign, name="reassign"),
]
