from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Exercises"

    def ready(self) -> None:
        from courseware import directives
        from courseware.progress import register_contributor
        from exercises.directive import ExerciseDirective
        from exercises.selectors import course_contribution

        directives.register(ExerciseDirective())
        register_contributor(course_contribution)
