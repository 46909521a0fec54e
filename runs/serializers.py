from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from runs.models import Run, RunStatus
from runs.selectors import figure_urls


class RunRequestSerializer(serializers.Serializer):
    """Documents the request; ``runs.services.request_run`` does the validating."""

    code = serializers.CharField(help_text="Python source, at most 64 KB of UTF-8 (413 above).", trim_whitespace=False)
    page = serializers.IntegerField(required=False, allow_null=True, help_text="The page the code comes from.")
    runnable = serializers.IntegerField(
        required=False, allow_null=True, help_text="The example of that page the code started from."
    )


class RunAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[RunStatus.QUEUED.value])
    url = serializers.URLField(help_text="GET it until `status` is final.")


class RunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RunStatus.choices, help_text="Final: everything but queued and running.")
    figures = serializers.SerializerMethodField()
    final = serializers.SerializerMethodField()
    error_line = serializers.IntegerField(allow_null=True, help_text="Line of `code` the error points at (1-based).")
    duration_ms = serializers.IntegerField(allow_null=True)
    isolated = serializers.BooleanField(allow_null=True)
    page = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Run
        fields = (
            "id", "status", "final", "page", "code", "stdout", "stderr", "stdout_truncated", "stderr_truncated",
            "error", "error_line", "kill_reason", "kill_message", "figures", "duration_ms", "isolated",
            "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.URLField(),
            help_text="PNG figures, in order; fetched with the same credentials (owner only).",
        )
    )
    def get_figures(self, run: Run) -> list[str]:
        request = self.context.get("request")
        urls = figure_urls(run)
        return [request.build_absolute_uri(url) for url in urls] if request else urls

    def get_final(self, run: Run) -> bool:
        return run.is_final
