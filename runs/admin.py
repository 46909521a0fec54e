from django.contrib import admin

from runs.models import Run, Runnable


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "status", "page", "duration_ms", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("owner", "page", "runnable")
    readonly_fields = ("code_sha256", "created_at", "started_at", "finished_at")


@admin.register(Runnable)
class RunnableAdmin(admin.ModelAdmin):
    list_display = ("id", "page", "index", "updated_at")
    raw_id_fields = ("page",)
