"""The reports API: /api/rcas/, /api/capas/, /api/reports/…, /api/surveys/, /api/portal/surveys/…"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api import views

router = SimpleRouter(trailing_slash=True)
router.register("rcas", views.RcaViewSet, basename="rca")
router.register("capas", views.CapaViewSet, basename="capa")
router.register("surveys", views.CampaignViewSet, basename="survey-campaign")

urlpatterns = [
    path("reports/monthly/<str:month>/", views.MonthlyReportView.as_view(), name="monthly-report"),
    path("reports/overview/", views.OverviewView.as_view(), name="reports-overview"),
    path(
        "surveys/<int:pk>/results/",
        views.CampaignViewSet.as_view({"get": "results"}),
        name="survey-campaign-results",
    ),
    path("portal/surveys/<str:token>/", views.SurveyAnswerView.as_view(), name="portal-survey"),
    *router.urls,
]
