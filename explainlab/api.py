from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from explainlab import selectors, services
from explainlab.engine.catalog import catalog
from explainlab.serializers import CatalogSerializer, JobRequestSerializer, JobSerializer


class CatalogView(APIView):
    @extend_schema(responses=CatalogSerializer)
    def get(self, request: Request) -> Response:
        return Response(catalog())


class JobCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle, UserRateThrottle]
    throttle_scope = "explain"

    @extend_schema(request=JobRequestSerializer, responses={200: JobSerializer, 202: JobSerializer})
    def post(self, request: Request) -> Response:
        spec = services.parse_spec(request.data)
        job, reused = services.request_job(user=request.user, spec=spec)
        payload = selectors.job_payload(job, cached=reused)
        return Response(payload, status=status.HTTP_200_OK if job.status == "succeeded" else status.HTTP_202_ACCEPTED)


class JobDetailView(APIView):
    @extend_schema(
        responses=JobSerializer,
        parameters=[
            OpenApiParameter(
                "job_ref",
                str,
                OpenApiParameter.PATH,
                description="The job's `key` (from its `url`); its integer `id` works for its creator only.",
            )
        ],
        description="Anyone holding the job's link may read it; ids are not enumerable.",
    )
    def get(self, request: Request, job_ref: str) -> Response:
        return Response(selectors.job_payload(selectors.get_job(job_ref, request.user)))
