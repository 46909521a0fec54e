from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors, services
from certificates.serializers import CertificateSerializer, NameSerializer, RevokeSerializer
from config.errors import Conflict


class CertificateListView(generics.ListAPIView):
    """The caller's certificates, newest first."""

    serializer_class = CertificateSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):  # type: ignore[override]
        return selectors.certificates_of(self.request.user)


class CertificateDetailView(APIView):
    """Public: anyone holding the code may check it. The code may be typed in any case, with or without dashes."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CertificateSerializer)
    def get(self, request: Request, code: str) -> Response:
        return Response(CertificateSerializer(selectors.get_certificate(code)).data)


class RevokeView(APIView):
    """Revoke for good (the course's owner and co-authors, and staff); the reason is public."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=RevokeSerializer,
        responses={200: CertificateSerializer, 409: OpenApiResponse(description="Already revoked.")},
    )
    def post(self, request: Request, code: str) -> Response:
        certificate = selectors.get_certificate_for_revoke(request.user, code)
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Its domain errors (invalid reason, already revoked) become HTTP in config.api.
        revoked = services.revoke_certificate(
            certificate=certificate, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(CertificateSerializer(revoked).data)


class NameView(APIView):
    """Choose the printed name, once, for certificates issued before the learner had a display name."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=NameSerializer,
        responses={200: CertificateSerializer, 409: OpenApiResponse(description="The name was already chosen.")},
    )
    def post(self, request: Request, code: str) -> Response:
        certificate = selectors.get_certificate_for_owner(request.user, code)
        serializer = NameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not certificate.name_pending:
            raise Conflict("This certificate already shows the name you chose.")
        services.set_printed_name(user=request.user, name=serializer.validated_data["name"])
        certificate.refresh_from_db()
        return Response(CertificateSerializer(certificate).data)
