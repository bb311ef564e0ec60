"""Settings of the worker processes the tests start: the test settings, with e-mail written to files.

The test process's locmem outbox is not visible from another process, so the
workers use Django's file backend in ``MANASSA_TEST_OUTBOX``.
"""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("MANASSA_TEST_OUTBOX", "/tmp/manassa-test-outbox")  # noqa: S108
