from django.urls import path

from courseware import api

urlpatterns = [
    path("courses/", api.CourseListView.as_view(), name="api-courses"),
    path("courses/<slug:slug>/", api.CourseDetailView.as_view(), name="api-course"),
    path("courses/<slug:slug>/enroll/", api.EnrollView.as_view(), name="api-course-enroll"),
    path("courses/<slug:slug>/progress/", api.ProgressView.as_view(), name="api-course-progress"),
    path("pages/<int:page_id>/", api.PageDetailView.as_view(), name="api-page"),
    path("pages/<int:page_id>/read/", api.PageReadView.as_view(), name="api-page-read"),
]
