from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "mardom.production"
    label = "production"
    verbose_name = _("Producers and products")
