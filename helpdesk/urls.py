"""The project's URLs: every app's pages and API, mounted by name (each app's `urls` module), so that this
module, at the bottom of the layers, imports none of the apps above it."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from health_check.views import HealthCheckView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("portal.api.urls")),
    path("api/", include("tickets.api.urls")),
    path("api/", include("escalation.api.urls")),
    path("api/", include("reports.api.urls")),
    path("", include("messaging.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("portal/", include("portal.urls")),
    path("console/", include("console.urls")),
    path("escalations/", include("console.escalation_urls")),
    path("reports/", include("reports.urls")),
    path("", include("console.home_urls")),
    path(
        "health/",
        HealthCheckView.as_view(checks=["health_check.checks.Database", "health_check.checks.Cache"]),
        name="health",
    ),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
