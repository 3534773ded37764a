"""`mardom demo`: a realistic, deterministic data set centred on South Khorasan and the county of Qaenat.

The data set itself is built by `mardom.demo.builders`, one module per subject; this command runs it once.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from mardom.demo.builders import ADMIN_USERNAME, DEMO_PASSWORD, LOGINS, SEED, Builder
from mardom.people.models import Person
from mardom.people.roles import Role


class Command(BaseCommand):
    help = "Load the demo data set (South Khorasan, Qaenat). Safe to run again: it loads once."

    def handle(self, *args: Any, **options: Any) -> None:
        if Person.objects.filter(mobile=LOGINS[0].mobile).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            # Names the services make up (a colony's default name) are stored in the site's language.
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                Builder(random.Random(SEED)).build()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_logins()

    def print_logins(self) -> None:
        with translation.override("en"):  # the console speaks to whoever installs, in one language
            self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}); sign in with the mobile:")
        self.stdout.write(f"  {'admin (system administrator)':34} username {ADMIN_USERNAME}")
        for login in LOGINS:
            label = Role(login.role).label if login.role and login.key != "producer" else "producer (own records)" \
                if login.key == "producer" else (
                "fund member (own passbook)" if login.key == "member" else "person with no role (own file)")
            self.stdout.write(f"  {login.key + ': ' + str(label):34} mobile {login.mobile}")
