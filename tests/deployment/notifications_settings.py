"""The notifications deployment as the split test starts it: test settings (short retries, the
SMTP receiver, private webhook URLs), reshaped as config/settings/notifications.py reshapes
production's, on queues named after this suite's."""

from config.deployments import notifications_alone
from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_TASK_DEFAULT_QUEUE

notifications_alone(globals(), queue=f"{CELERY_TASK_DEFAULT_QUEUE}-notifications")
