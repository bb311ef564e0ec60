"""Settings for benchmarks/search_http.py only: the product's settings plus a trivial JSON view."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("MANASSA_DEMO_MODE", "1")

from config.settings.local import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.search_http_urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
