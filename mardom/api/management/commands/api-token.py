"""`mardom api-token create USER --device NAME [--scopes read,funds:write] [--days 90]` prints a new personal
token (shown once); `mardom api-token list USER`; `mardom api-token revoke USER PREFIX`. USER is a username
(a national ID for people). The token is made and revoked as that user, audited as on the tokens page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mardom.core.errors import DomainError


class Command(BaseCommand):
    help = "Make, list or revoke a person's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("user")
        create.add_argument("--device", required=True)
        create.add_argument("--scopes", default="read", help="comma-separated: read, funds:write, sales:write, "
                                                             "desk:answer")
        create.add_argument("--days", type=int, default=90)
        listing = sub.add_parser("list")
        listing.add_argument("user")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("user")
        revoke.add_argument("prefix", help="the token's first characters, as the list shows them")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.api import selectors, services

        user = selectors.user_by_login(options["user"])
        if user is None:
            raise CommandError(f"no active user {options['user']!r}")
        try:
            if options["action"] == "create":
                token, secret = services.token_create(
                    by=user, device=options["device"], days=options["days"],
                    scopes=[s.strip() for s in options["scopes"].split(",") if s.strip()])
                self.stdout.write(secret)
                self.stderr.write(f"token {token.prefix}… for {token.device}, scopes {' '.join(token.scopes)}, "
                                  f"expires {token.expires_at:%Y-%m-%d}; shown once")
            elif options["action"] == "list":
                for t in selectors.tokens_of(user=user):
                    state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
                    self.stdout.write(f"{t.prefix}\t{t.device}\t{' '.join(t.scopes)}\t{state}")
            else:
                matches = [t for t in selectors.tokens_of(user=user) if t.prefix.startswith(options["prefix"])]
                if len(matches) != 1:
                    raise CommandError(f"{len(matches)} tokens start with {options['prefix']!r}; give more of it")
                services.token_revoke(by=user, token=matches[0])
                self.stdout.write(f"revoked {matches[0].prefix}")
        except DomainError as error:
            raise CommandError(str(error.message)) from error
