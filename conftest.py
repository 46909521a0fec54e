# Project-wide pytest plugins: each owns the fixtures of one part of the system.
pytest_plugins = [
    "tests.plugins.users",
    "tests.plugins.courses",
    "tests.plugins.workers",
    "tests.plugins.browser",
    "tests.plugins.sandbox",
    "tests.plugins.services",
]


# Known failures on the full suite against PostgreSQL and Redis, open in the issues; each still runs
# and reports, without failing the suite, until it is fixed.
KNOWN_FAILURES: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        reason = KNOWN_FAILURES.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=False, reason=reason))
