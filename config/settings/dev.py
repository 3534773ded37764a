"""Local development and `make demo`: SQLite under var/, debug pages on."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = True
SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The demo pays on the local fake gateway (no money moves) and its labels point to this machine.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "fake")
PAYMENT_FAKE_GATEWAY_ENABLED = env_bool("PAYMENT_FAKE_GATEWAY_ENABLED", True)
PUBLIC_BASE_URL = os.environ.get("MARDOM_PUBLIC_URL", "http://127.0.0.1:8000")
VAR_DIR.mkdir(parents=True, exist_ok=True)
