"""The site's URLs, with media served from whatever MEDIA_ROOT the test set.

config.urls binds the media folder when it is imported; tests keep their files in tmp_path,
so they route media through this view, which reads the setting on every request.
"""

from django.conf import settings
from django.urls import path
from django.views.static import serve

from config.urls import urlpatterns as site_urlpatterns


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media),
    *[pattern for pattern in site_urlpatterns if "media" not in str(pattern.pattern)],
]
