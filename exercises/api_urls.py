from django.urls import path

from exercises import api

urlpatterns = [
    path("exercises/<int:exercise_id>/", api.ExerciseDetailView.as_view(), name="api-exercise"),
    path("exercises/<int:exercise_id>/attempts/", api.AttemptCreateView.as_view(), name="api-exercise-attempts"),
    path("exercises/<int:exercise_id>/hints/", api.HintView.as_view(), name="api-exercise-hints"),
    path("exercises/<int:exercise_id>/solution/", api.SolutionView.as_view(), name="api-exercise-solution"),
    path("attempts/<int:attempt_id>/", api.AttemptDetailView.as_view(), name="api-attempt"),
]
