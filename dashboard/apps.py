from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the processed_data_changed receiver)
