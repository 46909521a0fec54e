from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"
    verbose_name = "Running code"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The importer knows directives only through the registry; registering here means
        # `{runnable}` exists exactly when this app is installed.
        from courseware import directives
        from runs.directive import RunnableDirective

        directives.register(RunnableDirective())
