from django.urls import path

from explainlab import views

app_name = "explainlab"

urlpatterns = [
    path("lab/", views.lab, name="lab"),
    path("lab/jobs/", views.submit, name="submit"),
    path("lab/jobs/<str:job_ref>/", views.job_page, name="job"),
    path("lab/jobs/<str:job_ref>/panel/", views.job_panel, name="job_panel"),
]
