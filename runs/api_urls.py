from django.urls import path

from runs import api

urlpatterns = [
    path("runs/", api.RunCreateView.as_view(), name="api-run-create"),
    path("runs/<int:run_id>/", api.RunDetailView.as_view(), name="api-run-detail"),
]
