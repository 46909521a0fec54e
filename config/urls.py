from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import auth_urlpatterns
from config.health import healthz
from config.metrics import metrics_view

# Each app brings `urls.py` (pages) and/or `api_urls.py` (under /api/v1/) when it has them.
APPS_WITH_URLS = ["accounts", "runs", "exercises", "explainlab", "certificates", "courseware.authoring", "courseware"]


def _include_if_present(module: str) -> list:
    try:
        present = find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package itself is absent
        present = False
    return [path("", include(module))] if present else []


api_v1 = [pattern for app in APPS_WITH_URLS for pattern in _include_if_present(f"{app}.api_urls")]
pages = [pattern for app in APPS_WITH_URLS for pattern in _include_if_present(f"{app}.urls")]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include(auth_urlpatterns)),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *pages,
]


def media(request, path):  # type: ignore[no-untyped-def]
    # MEDIA_ROOT is read per request (tests and operators may change it after start-up).
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.MEDIA_URL.startswith("/") and not getattr(settings, "MEDIA_SERVED_ELSEWHERE", False):
    # Learner figures and lab plots; a larger deployment serves media from its proxy or S3.
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media))
