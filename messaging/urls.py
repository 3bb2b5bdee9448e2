from django.urls import path

from messaging import api, views

app_name = "messaging"

urlpatterns = [
    path("channels/whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    path("channels/meta/", views.meta_webhook, name="meta"),
    path("api/channels/inbound/", api.GenericInboundView.as_view(), name="generic"),
]
