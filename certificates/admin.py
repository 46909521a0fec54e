from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from certificates import services
from certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "learner_name", "course_title", "issued_at", "status", "render_status")
    list_filter = ("render_status", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("code", "learner_name", "course_title", "user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user", "course", "revoked_by")
    actions = ("render_again",)
    # What was printed and signed is evidence: revoke through the verify page or the API,
    # which records who and why, instead of editing fields here.
    readonly_fields = tuple(field.name for field in Certificate._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Render the PDF and PNG again")
    def render_again(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        for certificate_id in queryset.values_list("pk", flat=True):
            services.enqueue_render(certificate_id)
        self.message_user(request, f"Queued {queryset.count()} certificate(s).", messages.SUCCESS)
