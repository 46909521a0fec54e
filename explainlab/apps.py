from django.apps import AppConfig


class ExplainlabConfig(AppConfig):
    name = "explainlab"
    verbose_name = "Explanation lab"

    def ready(self) -> None:
        from celery.signals import worker_process_init

        from courseware import directives
        from explainlab.directive import ExplainlabDirective

        directives.register(ExplainlabDirective())
        worker_process_init.connect(warm_up_worker_process, dispatch_uid="explainlab-warm-up", weak=False)


def warm_up_worker_process(**_: object) -> None:
    """Import the heavy libraries once per worker process, after the fork (never in the
    parent, where OpenMP/BLAS threads would make forking unsafe), so the first job is fast."""
    from explainlab.engine import preload

    preload()
