"""Stop the test run before it starts when a service it needs does not answer.

Without this, a stopped PostgreSQL or RabbitMQ shows up as hundreds of errors deep inside the run.
Called from tests/conftest.py at session start; checks only that each TCP port answers, in ~1 s.
"""

import socket
import sys
from urllib.parse import urlsplit

import pytest

HOW_TO_START = (
    "start the local services with `bash ../shared/services.sh` (or "
    "`docker compose -f docker/compose.yaml up -d postgres redis rabbitmq`), "
    "or point the variable at a running one"
)


def _services(settings) -> list[tuple[str, str, str, int]]:
    """(service, variable, host, port) for every networked store the settings name."""
    found = []
    for alias, db in settings.DATABASES.items():
        if db["ENGINE"].endswith("sqlite3"):
            continue
        variable = "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"
        found.append(
            (
                f"database '{alias}' ({db['ENGINE'].rsplit('.', 1)[-1]})",
                variable,
                db["HOST"],
                int(db["PORT"] or 5432),
            )
        )
    for name, variable, url, port in (
        ("Redis", "REDIS_URL", settings.REDIS_URL, 6379),
        ("the Celery broker", "CELERY_BROKER_URL", settings.CELERY_BROKER_URL, 5672),
        ("MongoDB", "MONGODB_URI", settings.MONGODB_URI, 27017),
    ):
        if url and "://" in url and not url.startswith("memory://"):
            parts = urlsplit(url)
            found.append((name, variable, parts.hostname or "127.0.0.1", parts.port or port))
    return found


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def stop_unless_services_answer() -> None:
    from django.conf import settings

    down = [
        f"  {name} at {host}:{port} ({variable}) does not answer"
        for name, variable, host, port in _services(settings)
        if not _answers(host, port)
    ]
    if down:
        sys.stderr.write(
            "\n".join(["", "The tests need these services:", *down, f"  -> {HOW_TO_START}.", ""])
        )
        pytest.exit(f"{len(down)} service(s) not reachable, nothing was run", returncode=3)
