"""Run figures were stored in public media as runs/<id>/figure-N.png; move them to private storage."""

from django.db import migrations


def move_figures(apps, schema_editor):
    from django.core.files.storage import default_storage

    from runs.services import files_key, private_storage

    Run = apps.get_model("runs", "Run")
    private = private_storage()
    for run in Run.objects.exclude(figures=[]).only("pk", "figures").iterator():
        moved = []
        for name in run.figures:
            parts = name.split("/")
            if len(parts) != 3 or parts[1] != str(run.pk):
                moved.append(name)
                continue
            target = f"runs/{files_key(run.pk)}/{parts[2]}"
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    private.delete(target)
                    private.save(target, handle)
                default_storage.delete(name)
            moved.append(target)
        Run.objects.filter(pk=run.pk).update(figures=moved)


class Migration(migrations.Migration):
    dependencies = [("runs", "0001_initial")]

    operations = [migrations.RunPython(move_figures, migrations.RunPython.noop)]
