"""Production: every store is a real service and must be configured explicitly.

A missing variable stops startup with Django's "Set the X environment variable" error.
"""

from config.settings.hardened import *  # noqa: F403
from config.settings.hardened import env

# Required here even though base has embedded defaults: production never falls back to them.
for _name in ("DATABASE_URL", "REPORTING_DATABASE_URL", "MONGODB_URI", "REDIS_URL", "CELERY_BROKER_URL"):
    env(_name)
