# Project-wide pytest plugins: each owns the fixtures of one part of the system.
pytest_plugins = [
    "tests.plugins.users",
    "tests.plugins.courses",
    "tests.plugins.workers",
    "tests.plugins.browser",
    "tests.plugins.sandbox",
    "tests.plugins.services",
]
