from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Event backbone"

    def ready(self) -> None:
        # Importing every app's handlers.py runs its @subscribe decorators: web, worker and beat
        # all know the same subscriptions.
        autodiscover_modules("handlers")

        from apps.common.health import register_degradation
        from apps.common.metrics import register_live_collector
        from apps.events import checks  # noqa: F401 - registers the backbone's settings checks
        from apps.events.backpressure import PressureCollector, current_pressure

        register_live_collector(PressureCollector())
        register_degradation("backpressure", lambda: list(current_pressure().reasons))
