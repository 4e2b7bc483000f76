from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Service logbook"

    def ready(self):
        from core import signals  # noqa: F401  (connects the receivers)
