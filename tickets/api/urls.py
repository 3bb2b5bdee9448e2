from rest_framework.routers import DefaultRouter

from tickets.api import incidents, views

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("regions", views.RegionViewSet, basename="region")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("services", views.ServiceViewSet, basename="service")
router.register("teams", views.TeamViewSet, basename="team")
router.register("incidents", incidents.IncidentViewSet, basename="incident")

urlpatterns = [
    *router.urls,
]
