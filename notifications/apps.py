from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Messages to customers"

    def ready(self):
        from notifications import signals  # noqa: F401  (connects the receivers)
