from django.urls import path
from rest_framework.routers import DefaultRouter

from tickets.api import portal, views

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("regions", views.RegionViewSet, basename="region")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("services", views.ServiceViewSet, basename="service")
router.register("teams", views.TeamViewSet, basename="team")

urlpatterns = [
    path("portal/complaints/", portal.ComplaintView.as_view(), name="portal-complaints"),
    path("portal/track/", portal.TrackView.as_view(), name="portal-track"),
    path("portal/tickets/<str:number>/confirm/", portal.ConfirmView.as_view(), name="portal-confirm"),
    path("portal/tickets/<str:number>/reject/", portal.RejectView.as_view(), name="portal-reject"),
    path("portal/tickets/<str:number>/rate/", portal.RateView.as_view(), name="portal-rate"),
    *router.urls,
]
