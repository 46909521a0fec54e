from django.urls import path

from courseware.authoring import api

urlpatterns = [
    path("authoring/courses/import/", api.BundleImportView.as_view(), name="api-authoring-import"),
    path("authoring/courses/<slug:slug>/export/", api.BundleExportView.as_view(), name="api-authoring-export"),
]
