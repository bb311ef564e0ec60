#!/usr/bin/env python
"""A stand-alone OpenID Connect provider for the test suite (see docs/identity.md)."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    # Forced, not defaulted: the test run exports Manassa's own settings module.
    os.environ["DJANGO_SETTINGS_MODULE"] = "idp.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
