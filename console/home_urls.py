"""The landing page at /, which sends each person where they work."""

from django.urls import path

from console.home import home

urlpatterns = [path("", home, name="home")]
