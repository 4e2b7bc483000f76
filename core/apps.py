from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Service logbook"

    def ready(self):
        from core import signals  # noqa: F401  (connects the receivers)
