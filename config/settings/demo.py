"""`make demo`: the product as it behaves, on one laptop. Debug pages off (the Persian 400/403/404/500 pages),
static files hashed, compressed and cached for a year by WhiteNoise (base.py's storage), SQLite under var/.
What differs from production is only what a laptop cannot have: a local address, a secret kept in var/, SMS to
the console, and the local fake payment gateway, which only this module and the test settings switch on."""

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

VAR_DIR.mkdir(parents=True, exist_ok=True)
_KEY_FILE = VAR_DIR / "demo-secret-key"
if not _KEY_FILE.exists():  # made once per checkout, so sessions survive a restart of the demo
    _KEY_FILE.write_text(secrets.token_urlsafe(50))
    _KEY_FILE.chmod(0o600)
SECRET_KEY = _KEY_FILE.read_text().strip()

PAYMENT_GATEWAY = "fake"
PAYMENT_FAKE_GATEWAY_ENABLED = True
# Labels' QR codes and payment return addresses point here; production must set its public https address.
PUBLIC_BASE_URL = os.environ.get("MARDOM_PUBLIC_URL", "http://127.0.0.1:8000")
