from django.urls import path

from certificates import api

urlpatterns = [
    path("certificates/", api.CertificateListView.as_view(), name="api-certificates"),
    path("certificates/<str:code>/", api.CertificateDetailView.as_view(), name="api-certificate"),
    path("certificates/<str:code>/revoke/", api.RevokeView.as_view(), name="api-certificate-revoke"),
    path("certificates/<str:code>/name/", api.NameView.as_view(), name="api-certificate-name"),
]
