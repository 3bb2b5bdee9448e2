"""The project's URLs: every app's pages and API, mounted by name (each app's `urls` module), so that this
module, at the bottom of the layers, imports none of the apps above it."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from health_check.views import HealthCheckView

# Swagger UI and Redoc start from a script inside their page (drf-spectacular's templates) and Redoc runs
# in a worker made from a blob: the one place scripts are let in inline, on these two pages only.
API_DOCS_POLICY = csp_update({"script-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says: send them to the hashed static file (looked
    up at request time, once the manifest is loaded)."""

    permanent = False

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static_url("favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/", API_DOCS_POLICY(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"
    ),
    path(
        "api/redoc/", API_DOCS_POLICY(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"
    ),
    path("api/", include("portal.api.urls")),
    path("api/", include("tickets.api.urls")),
    path("api/", include("escalation.api.urls")),
    path("api/", include("reports.api.urls")),
    path("accounts/", include("console.account_urls")),
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

# Uploaded files are never served from MEDIA_URL (a path anyone could guess): attachments go through the
# console's and the portal's download views, which check who may see the ticket.
