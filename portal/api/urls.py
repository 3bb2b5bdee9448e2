"""The public portal API, mounted at /api/portal/."""

from django.urls import path

from portal.api import views

urlpatterns = [
    path("portal/complaints/", views.ComplaintView.as_view(), name="portal-complaints"),
    path("portal/track/", views.TrackView.as_view(), name="portal-track"),
    path("portal/tickets/<str:number>/confirm/", views.ConfirmView.as_view(), name="portal-confirm"),
    path("portal/tickets/<str:number>/reject/", views.RejectView.as_view(), name="portal-reject"),
    path("portal/tickets/<str:number>/rate/", views.RateView.as_view(), name="portal-rate"),
]
