"""Manager pages (reports.views), mounted at /reports/."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/rebuild/", views.monthly_rebuild, name="monthly_rebuild"),
    path("monthly/<str:month>/", views.monthly, name="monthly"),
    path("capa/", views.capa_list, name="capa_list"),
    path("capa/<int:pk>/", views.capa_detail, name="capa_detail"),
    path("capa/<int:pk>/settle/", views.capa_settle, name="capa_settle"),
    path(
        "capa/<int:pk>/actions/<int:action_pk>/status/", views.capa_action_status, name="capa_action_status"
    ),
    path(
        "capa/<int:pk>/actions/<int:action_pk>/verify/", views.capa_action_verify, name="capa_action_verify"
    ),
    path("rca/", views.rca_list, name="rca_list"),
    path("rca/<int:pk>/", views.rca_detail, name="rca_detail"),
    path("surveys/", views.surveys, name="surveys"),
]
