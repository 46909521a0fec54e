from django.urls import path

from exercises import views

app_name = "exercises"

urlpatterns = [
    path("exercises/<int:exercise_id>/panel/", views.panel, name="panel"),
    path("exercises/<int:exercise_id>/submit/", views.submit, name="submit"),
    path("exercises/<int:exercise_id>/hints/", views.hint, name="hint"),
    path("exercises/<int:exercise_id>/solution/", views.solution, name="solution"),
    path("exercises/attempts/<int:attempt_id>/", views.attempt, name="attempt"),
]
