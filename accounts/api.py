from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import login_guard, services
from accounts.serializers import MeSerializer, MeUpdateSerializer, RegisteredSerializer, RegisterSerializer


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_user(**serializer.validated_data)
        return Response(RegisteredSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    throttle_scope = "auth"
    throttle_classes = [ScopedRateThrottle]

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        wait = login_guard.retry_after(
            username=username if isinstance(username, str) else None, address=login_guard.client_address(request)
        )
        if wait is not None:
            raise Throttled(wait=wait, detail=f"Too many failed log-ins; try again in {wait} s.")
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    throttle_scope = "auth"
    throttle_classes = [ScopedRateThrottle]


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        changes = {"display_name": user.display_name, "email": user.email, **serializer.validated_data}
        services.update_profile(user=user, **changes)  # type: ignore[arg-type]
        return Response(MeSerializer(user).data)
