"""Settings for the reader bench: the real site plus one trivial view to compare against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.reader.urls"
DEBUG = False
