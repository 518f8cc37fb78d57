from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        # Registers the Kafka consumers and periodic jobs, and the data-export sections.
        from realtime import export, handlers  # noqa: F401
