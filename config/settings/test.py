"""The test suite: same database choice as base (DATABASE_URL or SQLite), fast hashing, tasks run at once."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
# Argon2 is deliberately slow; the suite hashes hundreds of passwords. base.py keeps Argon2 first and a
# test asserts it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ALLOWED_HOSTS = ["*"]
SMS = {"BACKEND": "mardom.core.sms.backends.InMemoryBackend", "OPTIONS": {}}
# The suite pays on the fake gateway; tests of the real one inject recorded answers (market/tests).
PAYMENT_GATEWAY = "fake"
PAYMENT_FAKE_GATEWAY_ENABLED = True
ZARINPAL_MERCHANT_ID = ""
ZARINPAL_SANDBOX = False
PUBLIC_BASE_URL = "http://127.0.0.1:8000"
