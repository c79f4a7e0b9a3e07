from django.apps import AppConfig


class RehabConfig(AppConfig):
    name = "rehab"
    verbose_name = "Rehabilitation stages and plans"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
