"""Named crash points, so tests can kill a process at the exact step a real crash would hit.

`EJUSTICE_CRASH_AT=<name>` makes the process exit at that point; it is ignored in production.
"""

import os

import structlog


def crash_point(name: str) -> None:
    if os.environ.get("EJUSTICE_CRASH_AT") == name and os.environ.get("ENVIRONMENT") != "production":
        structlog.get_logger().warning("crash point reached, exiting", crash_point=name)
        os._exit(70)
