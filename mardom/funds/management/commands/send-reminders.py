"""`mardom send-reminders [--date 1404/08/27] [--days 3]`: send the loan reminders due today by SMS.

Meant to run daily from cron (or any scheduler), for example at nine in the morning Tehran time:

    0 9 * * *  mardom send-reminders

It is safe to run many times a day, or again after a failed run: every reminder has a key in the
Notification log and a key is never sent twice, so a second run sends only what the first did not. The
messages themselves leave from the background task worker once each one is committed.

--date (Jalali, in any digits; default today) computes the reminders as of another day; --days is how many
days ahead an installment counts as due soon (default 3). Prints how many reminders of each kind were sent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mardom.core.jalali import parse_jalali


class Command(BaseCommand):
    help = "Send the loan reminders due today (installments due soon, overdue, notices to guarantors), once each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to compute reminders for, Jalali year/month/day (default today)")
        parser.add_argument("--days", type=int, default=3,
                            help="remind installments due within this many days (default 3)")

    def handle(self, *args: Any, **options: Any) -> None:
        from mardom.funds.reminders import send_reminders

        if options["date"]:
            try:
                on = parse_jalali(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
        else:
            on = timezone.localdate()
        days = options["days"]
        if not 0 <= days <= 60:
            raise CommandError("--days must be between 0 and 60")
        counts = send_reminders(on=on, days=days)
        self.stdout.write(
            f"reminders for {on.isoformat()}: due soon {counts['due_soon']}, overdue {counts['overdue']}, "
            f"guarantors {counts['guarantors']}, already sent {counts['already_sent']}, failed {counts['failed']}"
        )
        if counts["failed"]:
            self.stderr.write(f"{counts['failed']} reminder(s) could not be sent; see the log (mardom.reminders)")
