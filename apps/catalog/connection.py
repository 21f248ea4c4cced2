"""The catalog's MongoDB connection (mongoengine's default alias).

MONGODB_URI set: a real MongoDB. Unset: mongomock in-process, through mongoengine's
`mongo_client_class` (the embedded default and the test suite; see README for its limits).
"""

import mongoengine
from django.conf import settings


def connect_catalog() -> None:
    options: dict = {"uuidRepresentation": "standard", "tz_aware": True}
    if settings.MONGODB["mock"]:
        import mongomock  # requirements/local.txt only: production always has MONGODB_URI

        options["mongo_client_class"] = mongomock.MongoClient
    else:
        # connect=False: the socket opens on first use, after gunicorn/Celery fork.
        options.update(connect=False, serverSelectionTimeoutMS=2000)
    mongoengine.connect(host=settings.MONGODB["host"], **options)
    if settings.MONGODB["mock"]:
        # The in-memory stand-in starts empty with every process: its "deploy" is now.
        from django.core.management import call_command

        call_command("catalog_ensure_indexes", verbosity=0)
