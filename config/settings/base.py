"""Settings shared by every environment. Environment variables are the only thing prod changes."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("MARDOM_VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "mardom.core",
    "mardom.geo",
    "mardom.orgs",
    "mardom.people",
    "mardom.ledger",
    "mardom.funds",
    "mardom.production",
    "mardom.brands",
    "mardom.market",
    "mardom.desk",
    "mardom.training",
    "mardom.dashboards",
    "mardom.demo",
    # The REST API (issue 14): DRF, its OpenAPI schema, OAuth2 client credentials for institutions.
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "mardom.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mardom.core.middleware.PersianFirstLocaleMiddleware",
    "mardom.core.middleware.RejectNulBytesMiddleware",
    "mardom.core.middleware.OverflowIsBadRequestMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mardom.core.replica.PinToPrimaryMiddleware",
    "mardom.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the Persian lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mardom.core.context_processors.navigation",
            ],
            "builtins": ["mardom.core.templatetags.mardom"],
        },
    }
]

# --- Database: SQLite (WAL) by default, anything else through DATABASE_URL -------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'mardom.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue instead of failing half way with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# A PostgreSQL streaming replica, when there is one: reports, dashboards and exports read from it; writes,
# sign-in and anything just written stay on the primary (mardom/core/replica.py, docs/scaling.md).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # A replica that has gone away must cost a page seconds, not the operating system's minutes.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 3
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["mardom.core.replica.ReplicaRouter"]
MARDOM_REPLICA_PIN_SECONDS = int(os.environ.get("MARDOM_REPLICA_PIN_SECONDS", "10"))
MARDOM_REPLICA_MAX_LAG_SECONDS = int(os.environ.get("MARDOM_REPLICA_MAX_LAG_SECONDS", "30"))
MARDOM_REPLICA_RETRY_SECONDS = int(os.environ.get("MARDOM_REPLICA_RETRY_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mardom.people.auth.NationalIdOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Django's rules restated with Persian messages, and a refusal of the person's national ID, mobile or birth date.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "mardom.people.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "mardom.people.passwords.CommonPasswordValidator"},
    {"NAME": "mardom.people.passwords.NumericPasswordValidator"},
    {"NAME": "mardom.people.passwords.PersonalNumberValidator"},
]
LOGIN_URL = "login"

LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: five wrong passwords for one person from one address lock it for fifteen minutes. The person
# is one name whichever identifier is typed (mobile, national ID, any digits): mardom.people.auth resolves it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_USERNAME_CALLABLE = "mardom.people.auth.throttle_username"
AXES_CLIENT_IP_CALLABLE = "mardom.people.auth.client_ip"
# The header a trusted reverse proxy sets to the client's address ("X-Forwarded-For", "X-Real-IP"); empty
# (the default) means REMOTE_ADDR. Set it only behind such a proxy: otherwise clients could forge it.
MARDOM_TRUSTED_PROXY_HEADER = os.environ.get("MARDOM_TRUSTED_PROXY_HEADER", "")
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "mardom.people.views.lockout"
AXES_VERBOSE = False

# --- Persian first -------------------------------------------------------------------------------
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "mardom" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tehran"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "mardom_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# Money is stored in integer rials everywhere; this only chooses how it is shown: "toman" or "rial".
MONEY_DISPLAY_UNIT = os.environ.get("MONEY_DISPLAY_UNIT", "toman")

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# The address people reach the site at: label QR codes and the payment gateway's return address point to it,
# so production must set the public https one (`check --deploy` fails otherwise); dev and test default to local.
PUBLIC_BASE_URL = os.environ.get("MARDOM_PUBLIC_URL", "")
MEDIA_URL = "/media/"

# --- Storefront payments (mardom/market/gateway.py) -----------------------------------------------------
# "zarinpal" (the default once ZARINPAL_MERCHANT_ID is set) or "fake". With none, the shop takes no orders.
# The fake gateway (a local page that pays or cancels with no money moved) works only where
# PAYMENT_FAKE_GATEWAY_ENABLED is true (dev, test, `make demo`); its page is not even routed otherwise.
ZARINPAL_MERCHANT_ID = os.environ.get("ZARINPAL_MERCHANT_ID", "").strip()
ZARINPAL_SANDBOX = env_bool("ZARINPAL_SANDBOX")  # sandbox.zarinpal.com: no money moves
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "zarinpal" if ZARINPAL_MERCHANT_ID else "").strip()
PAYMENT_FAKE_GATEWAY_ENABLED = env_bool("PAYMENT_FAKE_GATEWAY_ENABLED")
PAYMENT_TIMEOUT = float(os.environ.get("PAYMENT_TIMEOUT", "15"))  # seconds to wait for the gateway

# --- Background work -----------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The desk's sweep (mardom.desk.services.sweep): how often the worker runs it, and how many working days after
# a late request was escalated to the county it goes on to the province.
DESK_SWEEP_EVERY_MINUTES = int(os.environ.get("DESK_SWEEP_EVERY_MINUTES", "15"))
DESK_ESCALATE_PROVINCE_AFTER_DAYS = int(os.environ.get("DESK_ESCALATE_PROVINCE_AFTER_DAYS", "3"))

# --- The desk's working calendar (mardom/desk/workcal.py): office hours, Tehran time, as HH:MM ----------
# Saturday to Wednesday START-END; Thursday START-HALF_DAY_END where a province makes it a half day.
MARDOM_WORKDAY = {
    "START": os.environ.get("MARDOM_WORKDAY_START", "07:00"),
    "END": os.environ.get("MARDOM_WORKDAY_END", "14:00"),
    "HALF_DAY_END": os.environ.get("MARDOM_WORKDAY_HALF_DAY_END", "12:00"),
}
# Text messages queued in these hours (Tehran time, "HH:MM-HH:MM") wait for the end of them (mardom/core/sms/
# quiet.py); empty sends at once. Login and consent codes are never held.
MARDOM_SMS_QUIET_HOURS = os.environ.get("MARDOM_SMS_QUIET_HOURS", "21:00-08:00")

# --- Sessions and security that hold everywhere --------------------------------------------------
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (mardom.core.middleware.SecurityHeadersMiddleware): no inline
# script anywhere (templates keep their JavaScript in static files); inline styles are allowed for the
# bars' widths and the print sheets. No form-action: checkout hands over to a bank's payment page.
MARDOM_CSP = os.environ.get("MARDOM_CSP", "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'",
]))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- SMS: the log by default; an HTTP provider when SMS_URL (with SMS_API_KEY, SMS_SENDER) is set ------
from mardom.core.sms.config import sms_settings_from_env  # noqa: E402

SMS = sms_settings_from_env(os.environ)

# --- The REST API (mardom/api) --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Personal and institution-client tokens first; the session too, so the offline pages of the site itself
    # send their queue with the signed-in user (DRF then enforces CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": ["mardom.api.auth.BearerAuthentication",
                                       "rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["mardom.api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["mardom.api.auth.PrincipalThrottle"],
    "DEFAULT_PAGINATION_CLASS": "mardom.api.paging.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mardom.api.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mardom.api.errors.problem_handler",
    "UNAUTHENTICATED_USER": None,
}
# Requests a minute one token (or institution client, or signed-in user) may make; more are answered 429.
MARDOM_API_RATE = os.environ.get("MARDOM_API_RATE", "300/min")
# The API's throttle counts per token in Django's cache, which must be one for every web process and machine
# (the default, a cache in each process's memory, would let a token through once per process): the database
# cache, whose table `migrate` makes (core/migrations/0005). Nothing else in Mardom uses the cache. It holds one
# row per token active in the last minute; past MAX_ENTRIES it drops the oldest third (a count forgotten early),
# so the ceiling is set well above the tokens a minute a national deployment expects.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mardom_cache",
                      "OPTIONS": {"MAX_ENTRIES": 50_000, "CULL_FREQUENCY": 3}}}
# Idempotency records and applied batch commands are kept this many days (offline batches come late); never
# fewer than 30 (`mardom api-prune` refuses less).
MARDOM_API_KEEP_DAYS = max(30, int(os.environ.get("MARDOM_API_KEEP_DAYS", "45")))
SPECTACULAR_SETTINGS = {
    "TITLE": "Mardom API",
    "DESCRIPTION": "Funds, market, desk and training of the Mardom programme. Money in integer rials; dates ISO "
                   "with a Jalali companion; errors as application/problem+json with a Persian detail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "mardom.api.schema.add_problem_responses"],
}
# Named so mardom.api's models can point at the (swappable) application model, as django-oauth-toolkit asks.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read", "desk:answer": "Answer the desk requests sent to the institution"},
    "DEFAULT_SCOPES": ["read", "desk:answer"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # Only a SHA-256 of each access token is stored (RFC 9700): a copy of the database lets no one in.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # Only client credentials are used; the OAuth 2.0 Security BCP's safe choices for everything else, so
    # `check --deploy` has nothing to warn about.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Outside the site's own middleware, so even their refusals answer an API client in problem+json.
MIDDLEWARE.insert(1, "mardom.api.middleware.ProblemJsonForApi")
