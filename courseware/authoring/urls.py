from django.urls import path

from courseware.authoring import views

app_name = "authoring"

course = "authoring/courses/<slug:slug>/"

urlpatterns = [
    path("authoring/", views.dashboard, name="dashboard"),
    path("authoring/courses/new/", views.course_create, name="course_create"),
    path("authoring/courses/import/", views.course_import, name="course_import"),
    path(course, views.course_edit, name="course"),
    path(f"{course}settings/", views.course_settings, name="course_settings"),
    path(f"{course}publish/", views.course_publish, name="course_publish"),
    path(f"{course}export/", views.course_export, name="course_export"),
    path(f"{course}authors/", views.course_authors, name="authors"),
    path(f"{course}authors/<int:user_id>/remove/", views.coauthor_remove, name="coauthor_remove"),
    path(f"{course}analytics/", views.course_analytics, name="analytics"),
    path(f"{course}analytics/<slug:table>.csv", views.course_analytics_csv, name="analytics_csv"),
    path(f"{course}analytics/charts/<slug:chart>.png", views.course_analytics_chart, name="analytics_chart"),
    path(f"{course}chapters/new/", views.chapter_add, name="chapter_add"),
    path(f"{course}chapters/<int:chapter_id>/", views.chapter_edit, name="chapter"),
    path(f"{course}chapters/<int:chapter_id>/move/", views.chapter_move, name="chapter_move"),
    path(f"{course}chapters/<int:chapter_id>/delete/", views.chapter_delete, name="chapter_delete"),
    path(f"{course}chapters/<int:chapter_id>/pages/new/", views.page_add, name="page_add"),
    path(f"{course}pages/<int:page_id>/", views.page_edit, name="page"),
    path(f"{course}pages/<int:page_id>/preview/", views.page_preview, name="page_preview"),
    path(f"{course}pages/<int:page_id>/learner-view/", views.page_learner_view, name="page_learner"),
    path(f"{course}pages/<int:page_id>/move/", views.page_move, name="page_move"),
    path(f"{course}pages/<int:page_id>/delete/", views.page_delete, name="page_delete"),
    path(f"{course}pages/<int:page_id>/exercises/new/", views.exercise_new, name="exercise_new"),
    path(f"{course}pages/<int:page_id>/exercises/<int:index>/", views.exercise_edit, name="exercise_edit"),
]
