from django.contrib import admin

from explainlab.models import Embed, Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "progress", "stage", "pinned", "created_at", "finished_at")
    list_filter = ("status", "pinned")
    readonly_fields = ("spec_hash", "metrics", "data", "artifacts", "timings")


admin.site.register(Embed)
