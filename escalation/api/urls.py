"""The escalation API: /api/escalations/."""

from rest_framework.routers import SimpleRouter

from escalation.api.views import EscalationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("escalations", EscalationViewSet, basename="escalation")
urlpatterns = [*router.urls]
