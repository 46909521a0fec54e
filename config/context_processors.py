from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Header links: (URL name, label, who sees it). A link whose app is not installed is skipped.
NAV = [
    ("explainlab:lab", "Explanation lab", "everyone"),
    ("certificates:mine", "My certificates", "learners"),
    ("authoring:dashboard", "Teach", "instructors"),
]


def _visible(request: HttpRequest, audience: str) -> bool:
    user = request.user
    if audience == "learners":
        return user.is_authenticated
    if audience == "instructors":
        return user.is_authenticated and (getattr(user, "is_instructor", False) or user.is_staff)
    return True


def site(request: HttpRequest) -> dict[str, object]:
    items = []
    for name, label, audience in NAV:
        if not _visible(request, audience):
            continue
        try:
            items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, "nav_items": items}
