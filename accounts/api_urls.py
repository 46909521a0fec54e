from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="api-register"),
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/token/refresh/", api.RefreshView.as_view(), name="api-token-refresh"),
    path("me/", api.MeView.as_view(), name="api-me"),
]
