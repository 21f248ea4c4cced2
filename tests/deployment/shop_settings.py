"""The monolith while notifications runs apart, as the split test starts it (config/settings/shop.py
on test settings)."""

from config.deployments import shop_without_notifications
from config.settings.test import *  # noqa: F403

shop_without_notifications(globals())
