"""Entries read in Persian with Persian digits on the passbook, the fund page and a member's statement, from
the kind and parameters stored with each entry (never the English memo written for the hash chain)."""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.urls import reverse
from django.utils import timezone

from mardom.funds import services
from mardom.ledger.describe import params_from_old_memo
from mardom.ledger.models import Entry

from .conftest import RULES


def test_passbook_and_fund_page_read_in_persian(client, join, treasurer, fund):
    member = join(3_000_000)
    for _i in range(30):  # member 31 in the end
        member = join(1_000_000)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                 paid_on=datetime.date(2024, 4, 25), today=datetime.date(2024, 4, 25))
    client.force_login(treasurer)
    html = client.get(reverse("funds:membership", args=[member.pk])).content.decode()
    assert "عضویت عضو شمارهٔ ۳۱: سپردهٔ اولیه" in html
    assert "پس‌انداز ماهانهٔ عضو شمارهٔ ۳۱ برای اردیبهشت ۱۴۰۳" in html
    assert "member 31" not in html and "1403/02" not in html
    html = client.get(reverse("funds:detail", args=[fund.pk])).content.decode()
    assert "پس‌انداز ماهانهٔ عضو شمارهٔ ۳۱ برای اردیبهشت ۱۴۰۳" in html and "member 31" not in html


def test_a_statement_names_both_sides_of_a_transfer_in_persian(client, join, treasurer, fund, base_officer,
                                                              make_person, base):
    join(1_000_000)
    membership = join(2_000_000)
    services.rules_change(by=base_officer, fund=fund, effective_from=timezone.localdate(),
                          rules=replace(RULES, allow_transfer=True))
    successor = services.membership_transfer(by=treasurer, membership=membership, to_person=make_person(base),
                                             on=timezone.localdate(), idempotency_key="t")
    client.force_login(treasurer)
    for pk in (membership.pk, successor.pk):
        response = client.get(reverse("funds:statement-member", args=[pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert "انتقال پس‌انداز عضو شمارهٔ ۲ به عضو شمارهٔ ۳" in html
        assert "member 2" not in html


def test_the_migration_reads_back_what_the_services_write(join, treasurer, fund):
    """The data migration fills old entries' parameters from their memos: each memo the services write
    must read back into the parameters they store."""
    member = join(3_000_000)
    services.contribution_record(by=treasurer, membership=member, year=1403, month=2,
                                 paid_on=datetime.date(2024, 4, 25), today=datetime.date(2024, 4, 25))
    services.withdrawal_record(by=treasurer, membership=member, amount=100_000, occurred_on=datetime.date(2024, 5, 1),
                               idempotency_key="w", today=datetime.date(2024, 5, 1))
    entries = list(Entry.objects.filter(book__unit=fund))
    assert {e.kind for e in entries} >= {"opening", "contribution", "withdrawal"}
    for entry in entries:
        assert entry.params and params_from_old_memo(entry.kind, entry.memo) == entry.params, entry.memo
