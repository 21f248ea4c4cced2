"""Developer machine: the embedded default, or real services when their variables are set."""

from config.env import VAR_DIR
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, LOGGING, MONGODB, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
LOGGING["handlers"]["stdout"]["formatter"] = env("LOG_FORMAT", default="console")
# Customer emails go to one file per message under var/mail/ (a whole MIME message on the
# console is ~100 lines; the event_handled line already says each was sent).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEMO_CATALOG_ON_START = MONGODB["mock"]
# The embedded catalog survives a restart of `make run`: one JSON file per collection.
CATALOG_EMBEDDED_DIR = BASE_DIR / "var" / "catalog" if MONGODB["mock"] else None
WHITENOISE_AUTOREFRESH = DEBUG  # serve static files from the apps without collectstatic
