from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class RunsRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle reading the rate at request time.

    DRF's throttles copy DEFAULT_THROTTLE_RATES when the class is defined, so a changed
    setting (an operator's reload, a test) would otherwise be ignored. Shared by the API and
    the HTML view, so a learner's runs count once whichever way they come in.
    """

    scope_attr = "throttle_scope"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[no-any-return]
