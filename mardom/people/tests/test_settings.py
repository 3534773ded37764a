"""Settings that protect people's accounts."""

import importlib


def test_base_settings_hash_passwords_with_argon2_first():
    base = importlib.import_module("config.settings.base")
    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_is_installed():
    # Argon2 first is useless if the library behind it is missing: Django would fail at the first login.
    import argon2  # noqa: F401


def test_login_is_throttled_by_name_and_address():
    base = importlib.import_module("config.settings.base")
    assert "axes" in base.INSTALLED_APPS
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.AXES_FAILURE_LIMIT == 5


def test_throttling_resolves_the_person_and_the_proxy_address():
    base = importlib.import_module("config.settings.base")
    assert base.AXES_USERNAME_CALLABLE == "mardom.people.auth.throttle_username"
    assert base.AXES_CLIENT_IP_CALLABLE == "mardom.people.auth.client_ip"
    assert base.MARDOM_TRUSTED_PROXY_HEADER == ""  # REMOTE_ADDR unless a deployment names its proxy's header


def test_password_rules_are_ours_with_persian_messages():
    base = importlib.import_module("config.settings.base")
    names = [v["NAME"] for v in base.AUTH_PASSWORD_VALIDATORS]
    assert all(name.startswith("mardom.people.passwords.") for name in names)
    assert "mardom.people.passwords.PersonalNumberValidator" in names
