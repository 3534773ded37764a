"""`mardom api-client register --institution ID --name "Bank's system" --by USERNAME` registers an institution's
system for OAuth2 client credentials and prints its client_id and client_secret (shown once). `--by` is the
officer who grants it the institution officer's role (roles.grant over the institution, as for a person).
`mardom api-client revoke --client ID --by USERNAME` stops it; `mardom api-client list`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.errors import DomainError


class Command(BaseCommand):
    help = "Register, list or revoke an institution's API client (OAuth2 client credentials)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register")
        register.add_argument("--institution", required=True, help="its id, or a part of its name that only it has")
        register.add_argument("--name", required=True)
        register.add_argument("--by", required=True)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("--client", type=int, required=True)
        revoke.add_argument("--by", required=True)
        sub.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.api import selectors, services
        from mardom.api.models import InstitutionClient
        from mardom.orgs.models import Institution

        if options["action"] == "list":
            for c in InstitutionClient.objects.select_related("institution", "application").order_by("pk"):
                state = "revoked" if c.revoked_at else "active"
                self.stdout.write(f"{c.pk}\t{c.application.client_id}\t{c.institution.name}\t{c.name}\t{state}")
            return
        by = selectors.user_by_login(options["by"])
        if by is None:
            raise CommandError(f"no active user {options['by']!r}")
        try:
            if options["action"] == "register":
                wanted = options["institution"]
                found = list(Institution.objects.filter(pk=int(wanted)) if wanted.isdigit()
                             else Institution.objects.filter(name__contains=wanted)[:2])
                if len(found) != 1:
                    raise CommandError(f"{len(found)} institutions match {wanted!r}; give its id or more of its name")
                institution = found[0]
                client, client_id, secret = services.client_register(by=by, institution=institution,
                                                                     name=options["name"])
                self.stdout.write(f"client_id={client_id}\nclient_secret={secret}")
                self.stderr.write(f"client {client.pk} for {institution.name}; the secret is shown once")
            else:
                client = InstitutionClient.objects.filter(pk=options["client"]).first()
                if client is None:
                    raise CommandError(f"no client {options['client']}")
                services.client_revoke(by=by, client=client)
                self.stdout.write(f"revoked client {client.pk}")
        except PermissionDenied as error:
            raise CommandError(f"{by.username} may not grant roles over that institution") from error
        except DomainError as error:
            raise CommandError(str(error.message)) from error
