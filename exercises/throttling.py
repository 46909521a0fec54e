from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class AttemptsRateThrottle(ScopedRateThrottle):
    """The "attempts" scope, reading its rate at request time.

    DRF's throttles copy DEFAULT_THROTTLE_RATES when the class is defined, so a changed setting
    would otherwise be ignored. Shared by the API and the HTML views: a learner's attempts count
    once whichever way they come in.
    """

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[no-any-return]


class AttemptsScope:
    """What the throttle looks for on a view, for the HTML views that are not DRF views."""

    throttle_scope = "attempts"
