"""``manassa``: Django's management commands under the platform's name.

``manassa migrate``, ``manassa serve``, ``manassa worker``, ``manassa demo``,
``manassa audit verify`` … Settings default to config.settings.local;
set DJANGO_SETTINGS_MODULE=config.settings.production in production.
"""

import os
import sys
from pathlib import Path

ALIASES = {"worker": "db_worker"}


def main() -> None:
    # config/ sits beside src/ in a checkout; make it importable from anywhere.
    repo_root = Path(__file__).resolve().parents[2]
    if (repo_root / "config").is_dir() and str(repo_root) not in sys.path:
        sys.path.insert(0, str(repo_root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "manassa"
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
