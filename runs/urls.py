from django.urls import path

from runs import api, views

app_name = "runs"

urlpatterns = [
    path("runs/", views.create, name="create"),
    path("runs/new/", views.new, name="new"),
    path("runs/<int:run_id>/", views.detail, name="detail"),
    path("runs/<int:run_id>/panel/", views.panel, name="panel"),
    path("runs/<int:run_id>/files/<str:key>/<str:filename>", api.RunFileView.as_view(), name="file"),
]
