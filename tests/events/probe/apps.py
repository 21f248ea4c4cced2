from django.apps import AppConfig


class ProbeConfig(AppConfig):
    """A test-only module that publishes and consumes events, to exercise the backbone."""

    name = "tests.events.probe"
    label = "probe"
