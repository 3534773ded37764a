from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import localize_digits, to_latin_digits
from mardom.core.forms import (
    IntegerField,
    JalaliDateField,
    MoneyField,
    NationalIdField,
    PersianCharField,
    TimeOfDayField,
)
from mardom.core.jalali import month_name, to_jalali
from mardom.orgs.models import Base, OrgUnit
from mardom.people.roles import Perm
from mardom.people.scopes import is_global, scope_paths, scope_q

from .models import FundRules, Loan, LoanClosure, Membership

RULE_FIELDS = ("monthly_contribution", "min_months_before_loan", "loan_savings_multiple", "loan_cap", "max_months",
               "fee_policy", "fee_permille", "fee_cap_permille", "late_policy", "late_charge", "late_charge_cap",
               "rounding_unit", "allow_transfer", "late_entry_days", "draw_notice_days")


class RequestIdForm(forms.Form):
    """Carries a one-off id from the page to the service, so a double click or a resent form posts once."""

    request_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_id"].initial = uuid.uuid4()


class RulesForm(forms.Form):
    monthly_contribution = MoneyField(label=_("Monthly contribution"), min_value=1)
    min_months_before_loan = IntegerField(label=_("Months of membership before a loan"), min_value=0,
                                                max_value=120, initial=6)
    loan_savings_multiple = IntegerField(label=_("Loan ceiling as a multiple of savings"), min_value=1,
                                               max_value=50, initial=3)
    loan_cap = MoneyField(label=_("Loan ceiling"), min_value=1)
    max_months = IntegerField(label=_("Longest repayment, in months"), min_value=1, max_value=120, initial=24)
    fee_policy = forms.ChoiceField(label=_("Fee"), choices=FundRules.FeePolicy.choices)
    fee_permille = IntegerField(label=_("Fee, per thousand"), min_value=0, max_value=1000, initial=0,
                                      help_text=_("A fee of two percent is 20 per thousand."))
    fee_cap_permille = IntegerField(label=_("Highest fee allowed, per thousand"), min_value=0, max_value=1000,
                                          initial=40)
    late_policy = forms.ChoiceField(label=_("Late charge"), choices=FundRules.LatePolicy.choices)
    late_charge = MoneyField(label=_("Late charge per month"), required=False, min_value=0)
    late_charge_cap = MoneyField(label=_("Highest total late charge per installment"), required=False, min_value=0)
    rounding_unit = MoneyField(label=_("Installments rounded to"), min_value=1, initial=10_000)
    allow_transfer = forms.BooleanField(label=_("Memberships may be transferred"), required=False)
    late_entry_days = IntegerField(
        label=_("Days after which an entry is late"), min_value=0, max_value=366, initial=31,
        help_text=_("A payment dated earlier than this is a late entry: only the fund's manager may enter it."))
    draw_notice_days = IntegerField(label=_("Days of notice before a draw"), min_value=1, max_value=90,
                                    initial=3, required=False,
                                    help_text=_("Members get this many days to check the list and keep their copy."))

    def rules_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in RULE_FIELDS}
        data["late_charge"] = data["late_charge"] or 0
        data["late_charge_cap"] = data["late_charge_cap"] or 0
        data["draw_notice_days"] = data["draw_notice_days"] or 3
        return data


class FundForm(RulesForm):
    name = PersianCharField(label=_("Name of the fund"), max_length=150)
    base = forms.ModelChoiceField(label=_("Host base"), queryset=Base.objects.none(), empty_label=None)
    founded_on = JalaliDateField(label=_("Founded on"))

    field_order = ["name", "base", "founded_on"]

    def __init__(self, *args: Any, bases: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if bases is not None:
            self.fields["base"].queryset = bases
        self.fields["founded_on"].max_value = timezone.localdate()


class RulesChangeForm(RulesForm):
    effective_from = JalaliDateField(label=_("In force from"))
    field_order = ["effective_from"]


class JoinForm(RequestIdForm):
    national_id = NationalIdField(label=_("National ID of the new member"))
    opening_deposit = MoneyField(label=_("Opening deposit"), min_value=1)
    joined_on = JalaliDateField(label=_("Joined on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["joined_on"].initial = timezone.localdate()
        self.fields["joined_on"].max_value = timezone.localdate()


def month_choices() -> list[tuple[int, str]]:
    return [(m, f"{localize_digits(str(m))} — {month_name(m)}") for m in range(1, 13)]


class MonthChoiceForm(forms.Form):
    year = IntegerField(label=_("Year"), min_value=1380, max_value=1500)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=month_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = to_jalali(timezone.localdate())
        self.fields["year"].initial, self.fields["month"].initial = today.year, today.month

    def period(self) -> tuple[int, int]:
        """The chosen (year, month), or the current Jalali month when nothing valid was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"], self.cleaned_data["month"]
        return self.fields["year"].initial, self.fields["month"].initial


class PeriodForm(MonthChoiceForm):
    paid_on = JalaliDateField(label=_("Paid on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["paid_on"].max_value = timezone.localdate()


class ContributionForm(PeriodForm):
    amount = MoneyField(label=_("Amount (empty: the monthly contribution)"), required=False, min_value=1)


class MonthForm(PeriodForm):
    members = forms.MultipleChoiceField(label=_("Members who paid"), widget=forms.CheckboxSelectMultiple,
                                        required=True)

    def __init__(self, *args: Any, unpaid: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [
            (str(m.pk), f"{localize_digits(str(m.number))} — {m.person.full_name}") for m in unpaid
        ]
        self.fields["members"].initial = [str(m.pk) for m in unpaid]


class MonthRepaymentsForm(RequestIdForm):
    """The month's repayments on the treasurer's month page: a tick and an amount (the amount due, to be
    changed for a partial payment) for each loan with something due by the month's end."""

    paid_on = JalaliDateField(label=_("Paid on"))
    loans = forms.MultipleChoiceField(label=_("Loans repaid"), widget=forms.CheckboxSelectMultiple, required=True)

    def __init__(self, *args: Any, due: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due = list(due)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["paid_on"].max_value = timezone.localdate()
        self.fields["loans"].choices = [
            (str(d.loan.pk), f"{localize_digits(str(d.loan.membership.number))} — {d.loan.membership.person.full_name}")
            for d in self.due
        ]
        for d in self.due:
            self.fields[f"amount_{d.loan.pk}"] = MoneyField(label=_("Amount"), min_value=1, required=False,
                                                            initial=d.due)

    def rows(self) -> list[dict[str, Any]]:
        """For the table: each loan's tick, its amount field and what is due."""
        ticks = {tick.data["value"]: tick for tick in self["loans"]}
        return [{"due": d, "tick": ticks[str(d.loan.pk)], "amount": self[f"amount_{d.loan.pk}"]} for d in self.due]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for pk in data.get("loans") or ():
            if data.get(f"amount_{pk}") is None and f"amount_{pk}" not in self.errors:
                self.add_error(f"amount_{pk}", _("Write the amount repaid."))
        return data

    def payments(self) -> list[tuple[Loan, int]]:
        chosen = set(self.cleaned_data["loans"])
        return [(d.loan, self.cleaned_data[f"amount_{d.loan.pk}"]) for d in self.due if str(d.loan.pk) in chosen]


class WithdrawForm(RequestIdForm):
    amount = MoneyField(label=_("Amount"), min_value=1)
    occurred_on = JalaliDateField(label=_("Date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["occurred_on"].max_value = timezone.localdate()


class LeaveForm(RequestIdForm):
    left_on = JalaliDateField(label=_("Leaves on"))
    confirm = forms.BooleanField(label=_("I have checked the amount to be returned"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()
        self.fields["left_on"].max_value = timezone.localdate()


class LoanApplyForm(forms.Form):
    amount = MoneyField(label=_("Amount"), min_value=1)
    months = IntegerField(label=_("Months to repay"), min_value=1, max_value=120, initial=12)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Loan.Purpose.choices)
    description = PersianCharField(label=_("Description"), max_length=300, required=False)
    activity = PersianCharField(label=_("Production activity, if any"), max_length=150, required=False,
                                help_text=_("For example: saffron packaging, carpet weaving."))
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, choices=Loan.Priority.choices,
                                      initial=Loan.Priority.NORMAL)

    def __init__(self, *args: Any, treasurer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not treasurer:  # only the treasurer may mark an emergency
            del self.fields["priority"]


class GuarantorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{localize_digits(str(obj.number))} — {obj.person.full_name}"


class GuaranteeRequestForm(forms.Form):
    guarantor = GuarantorChoiceField(label=_("Guarantor"), queryset=Membership.objects.none())
    amount = MoneyField(label=_("Amount guaranteed"), min_value=1)

    def __init__(self, *args: Any, loan: Loan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if loan is not None:
            self.fields["guarantor"].queryset = (
                Membership.objects.filter(fund_id=loan.fund_id, status=Membership.Status.ACTIVE)
                .exclude(pk=loan.membership_id).select_related("person").order_by("number")
            )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.RadioSelect)
    note = PersianCharField(label=_("Note"), max_length=300, required=False)


class DisburseForm(RequestIdForm):
    on = JalaliDateField(label=_("Paid out on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].max_value = timezone.localdate()


class RepayForm(RequestIdForm):
    amount = MoneyField(label=_("Amount"), min_value=1)
    paid_on = JalaliDateField(label=_("Paid on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["paid_on"].max_value = timezone.localdate()


class CloseForm(forms.Form):
    """The manager's proposal; a second fund officer confirms it before anything is posted."""

    kind = forms.ChoiceField(label=_("Close the loan as"), widget=forms.RadioSelect,
                             choices=LoanClosure.Kind.choices)
    reason = PersianCharField(label=_("Why"), max_length=300)


class CloseConfirmForm(RequestIdForm):
    pass


class DrawAnnounceForm(forms.Form):
    winners_count = IntegerField(label=_("Number of winners"), min_value=1, max_value=500, initial=1)
    held_on = JalaliDateField(label=_("Day of the draw"))
    held_at = TimeOfDayField(label=_("Time of the draw"), initial=datetime.time(18, 0),
                             help_text=_("Hours and minutes, for example ۱۸:۳۰."))
    source_kind = forms.ChoiceField(
        label=_("Where the randomness comes from"), widget=forms.RadioSelect, initial="public_value",
        choices=[("public_value", _("A figure published on a later day by somebody outside the fund")),
                 ("sealed", _("Numbers sealed by at least three members, opened together at the draw"))])
    source_name = PersianCharField(
        label=_("Published figure"), max_length=200, required=False,
        help_text=_("Name it exactly, with who publishes it, for example: the closing figure of the Tehran "
                    "Stock Exchange main index (TEDPIX)."))
    source_date = JalaliDateField(label=_("Day of the figure"), required=False,
                                  help_text=_("A day after today, and no later than the day of the draw."))
    source_places = IntegerField(label=_("Decimal places of the figure"), min_value=0, max_value=6, initial=0,
                                 required=False)
    holders = forms.CharField(
        label=_("Members who seal a number"), max_length=200, required=False,
        help_text=_("Their membership numbers, for example ۳، ۷، ۱۲. Each writes a number and seals it after "
                    "the announcement; the numbers are opened together at the draw."))

    def clean_holders(self) -> list[int]:
        text = to_latin_digits(self.cleaned_data["holders"] or "")
        parts = [p for p in text.replace("،", " ").replace(",", " ").split() if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
            raise forms.ValidationError(_("Write membership numbers only, separated by commas."))
        return [int(p) for p in parts]

    def scheduled_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.cleaned_data["held_on"],
                                                             self.cleaned_data["held_at"]))

    def source(self) -> Any:
        from .services import SourceInput

        data = self.cleaned_data
        return SourceInput(kind=data["source_kind"], name=data.get("source_name") or "", date=data.get("source_date"),
                           places=data.get("source_places") or 0, holders=tuple(data.get("holders") or ()))


class DrawPerformForm(forms.Form):
    """The announced source's values: the published figure, or one field per sealed number."""

    def __init__(self, *args: Any, source: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        if source["kind"] == "public_value":
            self.fields["value"] = forms.CharField(
                label=source["name"], max_length=60, required=False,
                help_text=_("As published for the announced day; digits, with %(places)s decimal places.")
                % {"places": localize_digits(str(source["places"]))})
        else:
            for holder in source["holders"]:
                self.fields[f"sealed_{holder['ref']}"] = forms.CharField(
                    label=_("Sealed number of %(name)s (member %(ref)s)") % {
                        "name": holder["name"], "ref": localize_digits(holder["ref"])},
                    max_length=40, required=False)

    def values(self) -> list[str]:
        if self.source["kind"] == "public_value":
            return [self.cleaned_data.get("value") or ""]
        return [self.cleaned_data.get(f"sealed_{h['ref']}") or "" for h in self.source["holders"]]


class DrawCancelForm(forms.Form):
    reason = PersianCharField(label=_("Why the draw is cancelled"), max_length=300, required=False,
                              help_text=_("Shown on the draw's page and sent to every member."))


class LateChargeForm(RequestIdForm):
    installment_number = IntegerField(widget=forms.HiddenInput, min_value=1)
    amount = MoneyField(label=_("Late charge"), min_value=1)
    paid_on = JalaliDateField(label=_("Paid on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
        self.fields["paid_on"].max_value = timezone.localdate()


class TransferForm(RequestIdForm):
    national_id = NationalIdField(label=_("National ID of the person who takes over"))
    on = JalaliDateField(label=_("Date"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].max_value = timezone.localdate()


class FundFilterForm(forms.Form):
    """The funds list's search and filters: a name, the province / county / base the fund is under (only
    the units the user's scope reaches), and active or closed. A value that does not fit is shown with its
    message beside the field and left out; the others still apply."""

    STATUSES = (("active", _("Active")), ("closed", _("Closed")))

    q = PersianCharField(label=_("Name"), required=False, max_length=100)
    province = forms.ModelChoiceField(label=_("Province"), queryset=OrgUnit.objects.none(), required=False,
                                      empty_label=_("All provinces"))
    county = forms.ModelChoiceField(label=_("County"), queryset=OrgUnit.objects.none(), required=False,
                                    empty_label=_("All counties"))
    base = forms.ModelChoiceField(label=_("Base"), queryset=OrgUnit.objects.none(), required=False,
                                  empty_label=_("All bases"))
    status = forms.ChoiceField(label=_("Status"), choices=(("", _("Any status")), *STATUSES), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        paths = scope_paths(user, Perm.FUNDS_VIEW)
        everywhere = is_global(user)
        above = {int(part) for path in paths for part in path.strip("/").split("/") if part}
        reach = Q(pk__in=above) | scope_q(user, Perm.FUNDS_VIEW) if not everywhere else Q()

        def units(kind: str, under: OrgUnit | None) -> Any:
            qs = OrgUnit.objects.filter(reach, kind=kind)
            return (qs.filter(path__startswith=under.path) if under is not None else qs).order_by("name")

        province = self._pick("province", units(OrgUnit.Kind.PROVINCE, None))
        county = self._pick("county", units(OrgUnit.Kind.COUNTY, province))
        self.fields["base"].queryset = units(OrgUnit.Kind.BASE, county) if county is not None \
            else OrgUnit.objects.none()
        # A select with one choice or none is no choice: hidden, so a county officer sees her bases only.
        self.shown = [name for name in ("province", "county", "base")
                      if self.data.get(name) or self.fields[name].queryset.count() > 1]
        # A national officer picks a province first: its counties then, not the nation's 400-odd at once.
        if province is None and "province" in self.shown and "county" in self.shown and not self.data.get("county"):
            self.shown.remove("county")

    @property
    def shown_fields(self) -> list[Any]:
        return [self[name] for name in self.shown]

    def _pick(self, name: str, queryset: Any) -> OrgUnit | None:
        """Set the field's choices and return its chosen unit, if valid (the next select narrows to it)."""
        field = self.fields[name]
        field.queryset = queryset
        value = self.data.get(name) if self.is_bound else None
        if not value:
            return None
        try:
            return field.clean(value)
        except forms.ValidationError:
            return None

    def filters(self) -> dict[str, Any]:
        """The selector's arguments from whatever was valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        within = data.get("base") or data.get("county") or data.get("province")
        status = data.get("status")
        return {"query": data.get("q") or "", "within": within,
                "active": None if not status else status == "active"}


class FundImportForm(forms.Form):
    """A fund's workbook (funds.onboarding) for one of the bases the officer may create funds under."""

    base = forms.ModelChoiceField(label=_("Host base"), queryset=Base.objects.none(), empty_label=None)
    file = forms.FileField(label=_("Workbook (xlsx or csv)"))

    def __init__(self, *args: Any, bases: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if bases is not None:
            self.fields["base"].queryset = bases

    def clean_file(self) -> Any:
        from .onboarding.reader import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB. A fund's workbook is far smaller: "
                                          "remove pictures and other sheets, or split it."))
        return upload


class ReverseForm(forms.Form):
    """Why a record is reversed: kept with the correction in the audit log."""

    reason = PersianCharField(label=_("Reason for the reversal"), max_length=300,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("For example: recorded for the wrong member, or twice."))


class MeetingCloseForm(forms.Form):
    held_on = JalaliDateField(label=_("Meeting day"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["held_on"].max_value = timezone.localdate()
