"""Forms of the request pages: they parse what was typed; the services decide whether it may be done."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mardom.core.forms import IntegerField, MoneyField, NationalIdField, PersianCharField
from mardom.orgs.models import Institution, OrgUnit

from ..models import Request, RequestKind, RequestStep
from ..services.requests import MAX_DOCUMENT_BYTES, MAX_LEVEL_DAYS


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        county = obj.parent.name if obj.parent_id and obj.parent else ""
        return f"{obj.name} — {county}" if county else obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class RequestForm(forms.Form):
    """A new request: for whom (national ID, unless the person makes it herself), what, and to which institution."""

    national_id = NationalIdField(label=_("National ID of the person"))
    unit = UnitChoiceField(label=_("Made by"), queryset=OrgUnit.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind of request"),
                             choices=[c for c in RequestKind.choices if c[0] != RequestKind.REFERRAL])
    subject = PersianCharField(label=_("What is asked"), max_length=200,
                               help_text=_("In a few words, for example: a loan to buy two dairy cows."))
    details = PersianCharField(label=_("Details (optional)"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    amount_asked = MoneyField(label=_("Amount asked (for a loan or support)"), required=False, min_value=1)
    institution = InstitutionChoiceField(label=_("Institution"), queryset=Institution.objects.none(),
                                         required=False, empty_label=_("Choose, or ask for a suggestion"))

    def __init__(self, *args: Any, units: list[OrgUnit] | None = None, institutions: QuerySet[Institution],
                 own: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        if own:  # the person makes it herself
            del self.fields["national_id"]
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units or []]).order_by(
                "path")
            if units and len(units) == 1:
                self.fields["unit"].initial = units[0].pk
                self.fields["unit"].widget = forms.HiddenInput()


class SubmitForm(forms.Form):
    """A bare form for the buttons that need nothing typed (submit, receive, review, close)."""

    note = PersianCharField(label=_("Note (optional)"), max_length=500, required=False)


class RecordedByForm(forms.Form):
    """What the desk adds when it records a step on behalf of an institution with no officer in Mardom."""

    channel = forms.ChoiceField(label=_("How it came"), widget=forms.RadioSelect, choices=[
        c for c in RequestStep.Channel.choices if c[0] != RequestStep.Channel.MARDOM])
    said_by = PersianCharField(label=_("Who said it at the institution"), max_length=150,
                               help_text=_("Name and post, for example: Mr Ahmadi, head of credit."))

    def __init__(self, *args: Any, desk: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not desk:
            for name in ("channel", "said_by"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()


class StepForm(RecordedByForm):
    note = PersianCharField(label=_("Note (optional)"), max_length=500, required=False)


class WaitForm(RecordedByForm):
    note = PersianCharField(label=_("What is needed from the person"), max_length=500,
                            help_text=_("For example: a copy of the land deed."))


class AnswerForm(RecordedByForm):
    outcome = forms.ChoiceField(label=_("Answer"), choices=Request.Outcome.choices, widget=forms.RadioSelect)
    granted_amount = MoneyField(label=_("Amount granted (when partly granted)"), required=False, min_value=1)
    refusal_reason = forms.ChoiceField(label=_("Reason for refusal"), required=False,
                                       choices=[("", "—"), *Request.RefusalReason.choices])
    refusal_text = PersianCharField(label=_("Reason in words"), max_length=300, required=False)
    answer_text = PersianCharField(label=_("Answer in words (optional)"), max_length=500, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["outcome", "granted_amount", "refusal_reason", "refusal_text", "answer_text", "channel",
                   "said_by"]


class AppealForm(forms.Form):
    details = PersianCharField(label=_("Why the refusal should be reconsidered"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))


class RerouteForm(forms.Form):
    institution = InstitutionChoiceField(label=_("Send it to"), queryset=Institution.objects.none())
    note = PersianCharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class DocumentForm(forms.Form):
    title = PersianCharField(label=_("What the document is"), max_length=150, required=False,
                             help_text=_("For example: land deed, ID card."))
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 5 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DOCUMENT_BYTES:  # said before the whole file is read into memory
            raise forms.ValidationError(_("The file is larger than 5 MB."), code="too_big")
        return upload


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, national ID or subject"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Every status")), ("open", _("Open")), *Request.Status.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Every kind")), *RequestKind.choices])
    light = forms.ChoiceField(label=_("Deadline"), required=False, choices=[
        ("", _("Any")), ("green", _("On time")), ("amber", _("Deadline near")), ("red", _("Late")),
        ("paused", _("Waiting on the person"))])
    institution = InstitutionChoiceField(label=_("Institution"), required=False, queryset=Institution.objects.none(),
                                         empty_label=_("Every institution"))

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class ServiceLevelForm(forms.Form):
    receiver_type = forms.CharField(widget=forms.HiddenInput())
    kind = forms.CharField(widget=forms.HiddenInput())
    first_answer_days = IntegerField(label=_("First answer within (working days)"),
                                     min_value=-MAX_LEVEL_DAYS, max_value=MAX_LEVEL_DAYS)
    decision_days = IntegerField(label=_("Decision within (working days)"), min_value=-MAX_LEVEL_DAYS,
                                 max_value=MAX_LEVEL_DAYS * 10)
