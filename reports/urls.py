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
    path("capa/actions/<int:action_id>/", views.capa_action_update, name="capa_action_update"),
]
