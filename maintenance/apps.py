from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = "Service clocks and reminders"

    def ready(self):
        from maintenance import signals  # (connects the receivers)

        signals.connect_post_migrate(self)
