"""Production monolith while notifications runs as its own deployment (config/settings/notifications.py):
every module but notifications, whose events it still publishes to the shared exchange."""

from config.deployments import shop_without_notifications
from config.settings.production import *  # noqa: F403

shop_without_notifications(globals())
