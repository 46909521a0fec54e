import secrets

from django.db import migrations, models

import explainlab.models


def fill_keys(apps, schema_editor):
    Job = apps.get_model("explainlab", "Job")
    for job in Job.objects.filter(key__isnull=True).only("pk"):
        Job.objects.filter(pk=job.pk).update(key=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [("explainlab", "0001_initial")]

    operations = [
        migrations.AddField(model_name="job", name="key", field=models.CharField(max_length=32, null=True)),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="job",
            name="key",
            field=models.CharField(
                default=explainlab.models.new_job_key, editable=False, max_length=32, unique=True
            ),
        ),
    ]
