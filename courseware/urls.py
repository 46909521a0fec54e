from django.urls import path

from courseware import views

app_name = "courseware"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("pages/<int:page_id>/read/", views.mark_read, name="mark_read"),
    path("courses/<slug:course_slug>/", views.course_overview, name="course"),
    path("courses/<slug:course_slug>/search/", views.search_view, name="search"),
    path("courses/<slug:course_slug>/<slug:chapter_slug>/<slug:page_slug>/", views.page_view, name="page"),
]
