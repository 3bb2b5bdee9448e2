"""Browser pages of the reports app (reports.views), mounted at /reports/."""

from django.urls import path  # noqa: F401

app_name = "reports"
urlpatterns: list = []
