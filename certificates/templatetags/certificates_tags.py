from __future__ import annotations

from typing import Any

from django import template

from certificates import selectors
from certificates.models import Certificate

register = template.Library()


@register.simple_tag
def certificate_for(course: Any, user: Any) -> Certificate | None:
    """``{% certificate_for course user as certificate %}``: one query, none for visitors."""
    if course is None:
        return None
    return selectors.certificate_for_course(user, course)
