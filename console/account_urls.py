"""The staff's own account pages (before Django's: the password reset goes through the outbox)."""

from django.urls import path

from console import accounts

urlpatterns = [
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
]
