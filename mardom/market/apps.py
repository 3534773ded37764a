from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "mardom.market"
    verbose_name = _("Exhibitions and sales")

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the deploy checks)
