from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = "Shared kernel"

    def ready(self) -> None:
        from apps.common.logs import connect_receivers

        connect_receivers()
