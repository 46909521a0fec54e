from django.apps import AppConfig


class ExplainlabConfig(AppConfig):
    name = "explainlab"
    verbose_name = "Explanation lab"

    def ready(self) -> None:
        from celery.signals import worker_process_init, worker_ready

        from courseware import directives
        from explainlab.directive import ExplainlabDirective

        directives.register(ExplainlabDirective())
        worker_process_init.connect(warm_up_worker_process, dispatch_uid="explainlab-warm-up", weak=False)
        worker_ready.connect(take_back_orphaned_jobs, dispatch_uid="explainlab-orphans", weak=False)


def warm_up_worker_process(**_: object) -> None:
    """Import the heavy libraries once per worker process, after the fork (never in the
    parent, where OpenMP/BLAS threads would make forking unsafe), so the first job is fast."""
    from explainlab.engine import preload

    preload()


def take_back_orphaned_jobs(sender: object = None, **_: object) -> None:
    """A worker starting under a name whose jobs are still `running` was restarted after a
    crash: those jobs died with it, whatever the broker did with their messages."""
    from explainlab.services import requeue_orphaned_jobs

    hostname = getattr(sender, "hostname", None)
    if hostname:
        requeue_orphaned_jobs(worker=hostname)
