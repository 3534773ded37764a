"""Onboarding a fund from its workbook: the template, every bad input reported in Persian by sheet, row and
column with nothing written, a clean file posted whole (and once), and the page as the roles that may and
may not import."""

from __future__ import annotations

import copy
import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from mardom.funds.models import Contribution, Fund, FundImport, Guarantee, Installment, Loan, Membership, Repayment
from mardom.funds.onboarding.posting import fund_import
from mardom.funds.onboarding.reader import read_workbook
from mardom.funds.onboarding.sample import last_day, sample_rows
from mardom.funds.onboarding.template import template_workbook, write_csv, write_workbook
from mardom.ledger.models import Account, Book, Entry
from mardom.ledger.verify import verify_book
from mardom.people.models import Person

TODAY = last_day() + datetime.timedelta(days=3)


@pytest.fixture(autouse=True)
def _persian():
    with translation.override("fa"):
        yield


def written() -> tuple[int, int, int, int]:
    return Fund.objects.count(), Entry.objects.count(), Person.objects.count(), Membership.objects.count()


def run(by: Any, base: Any, rows: dict | None = None, data: bytes | None = None) -> FundImport:
    return fund_import(by=by, base=base, data=data if data is not None else write_workbook(rows or sample_rows()),
                       filename="fund.xlsx", today=TODAY)


def test_the_template_has_every_sheet_with_persian_headers_and_an_example(db):
    tables, problems = read_workbook(template_workbook())
    assert problems == []
    assert {"fund", "members", "opening", "contributions", "loans", "installments", "repayments",
            "guarantors"} <= set(tables)
    assert tables["members"].rows[0][1]["national_id"] == "0010350829"
    assert all(len(t.rows) == 1 for t in tables.values())


def test_a_clean_file_posts_the_whole_history_and_the_books_verify(base_officer, base):
    record = run(base_officer, base)
    assert record.status == FundImport.Status.DONE, record.problems
    fund = record.fund
    rows = sample_rows()
    assert Membership.objects.filter(fund=fund).count() == 6
    assert Contribution.objects.filter(membership__fund=fund).count() == len(rows["contributions"])
    loan = Loan.objects.get(fund=fund)
    assert loan.status == Loan.Status.DISBURSED and Installment.objects.filter(loan=loan).count() == 12
    assert Repayment.objects.filter(loan=loan).count() == len(rows["repayments"])
    assert Guarantee.objects.get(loan=loan).status == Guarantee.Status.ACCEPTED
    book = Book.objects.get(unit=fund)
    assert verify_book(book) == []
    cash = Account.objects.get(book=book, code="cash").balance
    assert cash == rows["fund"][0][10] == record.summary["balance_sheet"]["cash"]
    sheet = record.summary["balance_sheet"]
    assert sheet["assets"] == sheet["liabilities_and_equity"] == sheet["cash"] + sheet["loans"]
    assert sheet["loans"] == 12_000_000 - 1_000_000 * len(rows["repayments"])


def test_the_same_file_twice_changes_nothing(base_officer, base):
    data = write_workbook(sample_rows())
    first = run(base_officer, base, data=data)
    before = written()
    again = run(base_officer, base, data=data)
    assert again.pk == first.pk and again.status == FundImport.Status.DONE
    assert written() == before and FundImport.objects.count() == 1


def test_csv_mixed_dates_and_separators_import_the_same_fund(base_officer, base):
    record = run(base_officer, base, data=write_csv(sample_rows(mixed=True)))
    assert record.status == FundImport.Status.DONE, record.problems
    assert Contribution.objects.filter(membership__fund=record.fund).count() == len(sample_rows()["contributions"])
    assert Account.objects.get(book__unit=record.fund, code="cash").balance == sample_rows()["fund"][0][10]


def _break(change):
    rows = sample_rows()
    change(rows)
    return rows


def _set(sheet: str, row: int, col: int, value: Any):
    def change(rows):
        rows[sheet][row][col] = value
    return change


def _append(sheet: str, row: list):
    return lambda rows: rows[sheet].append(row)


BAD = {
    "bad national ID": (_set("members", 1, 3, "1234567890"), "اعضا", "کد ملی"),
    "unknown member": (_append("contributions", [99, 1403, 2, 500_000, "1403/02/05"]), "پرداخت‌های ماهانه",
                       "شماره عضویت"),
    "contribution before joining": (_append("contributions", [6, 1403, 1, 500_000, "1403/01/05"]),
                                    "پرداخت‌های ماهانه", "ماه"),
    "repaid beyond the loan": (_append("repayments", [1, "1403/08/21", 5_000_000]), "بازپرداخت‌ها", "مبلغ"),
    "totals do not reconcile": (_set("fund", 0, 8, 1_000), "صندوق", "موجودی نقد در تاریخ شروع"),
    "duplicate member": (lambda rows: rows["members"].append([7, *rows["members"][0][1:]]), "اعضا", "کد ملی"),
    "tomans for rials": (lambda rows: [c.__setitem__(3, 5_000_000) for c in rows["contributions"]],
                         "پرداخت‌های ماهانه", "مبلغ"),
    "bad date": (_set("members", 2, 6, "1403/13/40"), "اعضا", "تاریخ عضویت"),
    "separator in the wrong place": (_set("opening", 0, 1, "1,00,000"), "مانده افتتاحیه",
                                     "مانده پس‌انداز در تاریخ شروع"),
    "date after today": (_append("contributions", [1, 1404, 1, 500_000, "1404/01/05"]), "پرداخت‌های ماهانه",
                         "تاریخ پرداخت"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_bad_input_is_reported_where_it_is_and_nothing_is_written(base_officer, base, case):
    change, sheet, column = BAD[case]
    before = written()
    record = run(base_officer, base, rows=_break(change))
    assert record.status == FundImport.Status.FAILED
    assert any(p["sheet"] == sheet and p["column"] == column for p in record.problems), record.problems
    assert all(p["message"] and not p["message"].isascii() for p in record.problems)  # said in Persian
    assert written() == before


def _xlsx(edit) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(write_workbook(sample_rows())))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


FILES = {
    "wrong headers": (lambda: _xlsx(lambda wb: wb["اعضا"].cell(row=1, column=4, value="کدملی")), "اعضا"),
    "merged cells": (lambda: _xlsx(lambda wb: wb["اعضا"].merge_cells("B2:C2")), "اعضا"),
    "formula": (lambda: _xlsx(lambda wb: wb["مانده افتتاحیه"].cell(row=2, column=2, value="=1+1")),
                "مانده افتتاحیه"),
    "missing sheet": (lambda: _xlsx(lambda wb: wb.remove(wb["اعضا"])), "اعضا"),
    "not a spreadsheet": (lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(200), ""),
    "a broken xlsx": (lambda: b"PK\x03\x04" + bytes(100), ""),
    "50 MB": (lambda: b"a,b\n" * (13 * 1024 * 1024 + 1), ""),
}


@pytest.mark.parametrize("case", list(FILES))
def test_a_file_that_is_not_a_clean_table_is_refused(base_officer, base, case):
    make, sheet = FILES[case]
    before = written()
    record = run(base_officer, base, data=make())
    assert record.status == FundImport.Status.FAILED and record.problems
    assert any(p["sheet"] == sheet for p in record.problems), record.problems
    assert written() == before


@pytest.mark.parametrize("who", ["birjand_officer", "auditor", "treasurer_elsewhere"])
def test_roles_that_may_not_create_funds_here_cannot_import(request, base, who, make_user, make_person):
    if who == "treasurer_elsewhere":
        user = make_user(make_person(base), roles=[("fund_treasurer", base)])
    else:
        user = request.getfixturevalue(who)
    before = written()
    with pytest.raises(PermissionDenied):
        run(user, base)
    assert written() == before and FundImport.objects.count() == 0


# --- The page ------------------------------------------------------------------------------------------


def test_the_base_officer_uploads_and_sees_the_balance_sheet(client, base_officer, base,
                                                             django_capture_on_commit_callbacks):
    client.force_login(base_officer)
    page = client.get(reverse("funds:import"))
    assert page.status_code == 200 and "funds:import-template" not in page.content.decode()
    template = client.get(reverse("funds:import-template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = io.BytesIO(write_workbook(sample_rows()))
    upload.name = "fund.xlsx"
    import time_machine

    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=datetime.UTC)):
        with django_capture_on_commit_callbacks(execute=True):  # the task is queued when the upload commits
            response = client.post(reverse("funds:import"), {"base": base.pk, "file": upload})
        assert response.status_code == 302
        status = client.get(response["Location"])
    record = FundImport.objects.get()
    assert record.status == FundImport.Status.DONE, record.problems
    assert 'data-status="done"' in status.content.decode()
    assert 'data-test="import-balance-sheet"' in status.content.decode()
    polled = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert polled.content.decode().lstrip().startswith("<section")


def test_the_problems_table_lists_every_problem(client, base_officer, base):
    record = run(base_officer, base, rows=_break(_set("members", 1, 3, "1234567890")))
    client.force_login(base_officer)
    page = client.get(reverse("funds:import-status", args=[record.pk])).content.decode()
    assert 'data-test="import-problems"' in page and "کد ملی" in page


@pytest.mark.parametrize("who", ["birjand_officer", "auditor", "plain_user"])
def test_other_scopes_and_roles_cannot_open_the_import_pages(client, request, base_officer, base, who):
    record = run(base_officer, base)
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("funds:import")).status_code == 403
    assert client.get(reverse("funds:import-template")).status_code == 403
    assert client.get(reverse("funds:import-status", args=[record.pk])).status_code == 404
    upload = io.BytesIO(write_workbook(sample_rows()))
    upload.name = "x.xlsx"
    assert client.post(reverse("funds:import"), {"base": base.pk, "file": upload}).status_code == 403
    assert FundImport.objects.count() == 1


def test_a_workbook_with_problems_keeps_every_one(base_officer, base):
    rows = sample_rows()
    rows["members"][0][3] = "1111111111"
    rows["members"][1][4] = "123"
    rows["contributions"].append([42, 1403, 1, 500_000, "1403/01/05"])
    record = run(base_officer, base, rows=copy.deepcopy(rows))
    columns = {(p["sheet"], p["row"], p["column"]) for p in record.problems}
    assert {("اعضا", 2, "کد ملی"), ("اعضا", 3, "موبایل")} <= columns
    assert any(c[0] == "پرداخت‌های ماهانه" for c in columns)


def test_the_demos_kept_workbook_is_clean_and_is_what_its_script_writes(base_officer, base):
    from mardom.demo.builders.onboard import WORKBOOK
    from mardom.demo.data import make_onboard_fund

    tables, problems = read_workbook(WORKBOOK.read_bytes())
    assert problems == []
    assert tables["members"].rows[0][1]["first_name"] == make_onboard_fund.rows()["members"][0][1]
    record = fund_import(by=base_officer, base=base, data=WORKBOOK.read_bytes(), filename=WORKBOOK.name)
    assert record.status == FundImport.Status.DONE, record.problems
    assert record.fund.name == make_onboard_fund.NAME
    assert Membership.objects.filter(fund=record.fund).count() == make_onboard_fund.MEMBERS
    assert verify_book(Book.objects.get(unit=record.fund)) == []


def test_the_command_imports_a_file_and_reports_problems(base_officer, base, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(write_workbook(sample_rows()))
    bad.write_bytes(write_workbook(_break(_set("members", 1, 3, "1234567890"))))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-fund", str(bad), "--base", str(base.pk), "--by", base_officer.username, stderr=err)
    assert "کد ملی" in err.getvalue() and Fund.objects.filter(parent=base).count() == 0
    import time_machine

    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=datetime.UTC)):
        out = io.StringIO()
        call_command("import-fund", str(good), "--base", str(base.pk), "--by", base_officer.username, stdout=out)
    assert "members 6" in out.getvalue() and Fund.objects.filter(parent=base).count() == 1
