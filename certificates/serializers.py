from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certificates import services
from certificates.models import Certificate


def absolute(url: str) -> str:
    """Media may live on another host (S3); everything else is under SITE_URL like the QR code."""
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


class CertificateSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=["valid", "revoked"], read_only=True)
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    score = serializers.FloatField(read_only=True, help_text="Share of the exercise points earned, 0-1.")
    name_pending = serializers.BooleanField(
        read_only=True, help_text="True while the learner may still choose the printed name (once)."
    )
    verify_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    png_url = serializers.SerializerMethodField()
    credential_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = (
            "code", "status", "learner_name", "course_title", "course", "issued_at", "score", "verify_url",
            "pdf_url", "png_url", "credential_url", "revoked_at", "revoke_reason", "name_pending", "render_status",
        )  # fmt: skip
        read_only_fields = fields

    def get_verify_url(self, certificate: Certificate) -> str:
        return services.verify_url(certificate.code)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, certificate: Certificate) -> str | None:
        return absolute(certificate.pdf.url) if certificate.is_rendered else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_png_url(self, certificate: Certificate) -> str | None:
        return absolute(certificate.png.url) if certificate.is_rendered else None

    def get_credential_url(self, certificate: Certificate) -> str:
        return settings.SITE_URL + reverse("certificates:credential", args=[certificate.code])


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH, allow_blank=False, trim_whitespace=True)


class NameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=services.NAME_MAX_LENGTH, allow_blank=False, trim_whitespace=True)
