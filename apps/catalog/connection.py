"""The catalog's MongoDB connection (mongoengine's default alias).

MONGODB_URI set: a real MongoDB. Unset: mongomock in-process, through mongoengine's
`mongo_client_class` (the embedded default and the test suite; see README for its limits),
serialised and, with CATALOG_EMBEDDED_DIR, kept on disk (embedded.py).
"""

from pathlib import Path

import mongoengine
from django.conf import settings


def connect_catalog(*, mock: bool | None = None) -> None:
    """Connect mongoengine's default alias. `mock` overrides the settings: the test suite runs
    the tests that need the embedded store on it while MONGODB_URI serves the others."""
    mock = settings.MONGODB["mock"] if mock is None else mock
    options: dict = {"uuidRepresentation": "standard", "tz_aware": True}
    if mock:
        import mongomock  # requirements/local.txt only: production always has MONGODB_URI

        from apps.catalog.embedded import serialise_mongomock

        serialise_mongomock()  # each operation atomic, as on MongoDB (see embedded.py)
        options["mongo_client_class"] = mongomock.MongoClient
    else:
        # connect=False: the socket opens on first use, after gunicorn/Celery fork.
        options.update(connect=False, serverSelectionTimeoutMS=2000)
    mongoengine.connect(host=settings.MONGODB["host"], **options)
    if mock and settings.CATALOG_EMBEDDED_DIR:
        from apps.catalog.embedded import persist_to

        persist_to(Path(settings.CATALOG_EMBEDDED_DIR), mongoengine.get_db())
    if mock:
        # The in-memory stand-in starts empty with every process: its "deploy" is now.
        from django.core.management import call_command

        call_command("catalog_ensure_indexes", verbosity=0)
