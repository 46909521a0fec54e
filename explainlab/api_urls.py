from django.urls import path

from explainlab import api

urlpatterns = [
    path("explainlab/catalog/", api.CatalogView.as_view(), name="api-explainlab-catalog"),
    path("explainlab/jobs/", api.JobCreateView.as_view(), name="api-explainlab-jobs"),
    path("explainlab/jobs/<str:job_ref>/", api.JobDetailView.as_view(), name="api-explainlab-job"),
]
