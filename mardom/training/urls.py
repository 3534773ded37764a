from django.urls import path  # noqa: F401  (filled by the subject modules of views/)

from . import views  # noqa: F401

app_name = "training"

urlpatterns: list = []
