"""pytest settings: the stores are whatever the environment configures (see .ci/run)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, LOGGING

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["handlers"]["stdout"]["formatter"] = "console"
# Keep test keys apart from a developer's running stack sharing the same Redis.
CACHES["default"]["KEY_PREFIX"] = "commerce-test"
