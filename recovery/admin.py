from django.contrib import admin

from recovery.models import Claim


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("kind", "object_id", "worker", "claimed_at", "requeued_at", "recoveries")
    list_filter = ("kind",)
    search_fields = ("worker",)
