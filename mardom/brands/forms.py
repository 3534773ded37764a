"""Forms for collective brands: founding one, its rules and logo, members and sanctions, lots, inspection and
labels; and the public form where someone types the serial printed under a label's QR code. They only parse
and validate what was typed; the rules live in services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import localize_digits
from mardom.core.forms import IntegerField, JalaliDateField, NationalIdField, PersianCharField, QuantityField
from mardom.core.text import normalize_text
from mardom.core.validators import validate_no_markup
from mardom.orgs.models import OrgUnit
from mardom.production.models import Product

from . import serials
from .models import Authorisation, Sanction

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4000
# Raster formats browsers and WeasyPrint show; no SVG (it can carry scripts).
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
_BLANK_LINES = re.compile(r"\n{3,}")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class AuthorisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Authorisation) -> str:
        return f"{obj.producer.person.full_name} — {obj.product.name}"


class LongTextField(forms.CharField):
    """Several paragraphs (rules of use): each line normalised like a name, the line breaks kept; no HTML."""

    widget = forms.Textarea(attrs={"rows": 6})
    default_validators = [validate_no_markup]
    default_error_messages = {"max_length": _("Use at most %(limit)s characters (you used %(length)s).")}

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        lines = [normalize_text(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The length is checked in validate() with the page's digits, not Django's Latin-digit message.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def validate(self, value: str) -> None:
        super().validate(value)
        if self.max_length is not None and len(value) > int(self.max_length):
            raise ValidationError(self.error_messages["max_length"], code="max_length",
                                  params={"limit": localize_digits(str(self.max_length)),
                                          "length": localize_digits(str(len(value)))})


class LogoField(forms.ImageField):
    """A small raster image: at most 1 MB, a real PNG, JPEG, WebP or GIF (Pillow reads it), not huge."""

    default_validators: list[Any] = []  # the format is read from the content below, not the file's name
    default_error_messages = {
        "too_big": _("The logo may be at most 1 MB."),
        "format": _("Send the logo as a PNG, JPEG, WebP or GIF image."),
        "invalid_image": _("This file is not an image we can read. Send a PNG or JPEG."),
        "too_large": _("The logo is too large; at most 4000 pixels on each side."),
    }

    def to_python(self, data: Any) -> Any:
        if data in self.empty_values:
            return None
        if getattr(data, "size", 0) > LOGO_MAX_BYTES:
            raise ValidationError(self.error_messages["too_big"], code="too_big")
        try:
            image = super().to_python(data)
        except ValidationError as error:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from error
        picture = getattr(image, "image", None)
        if picture is None or picture.format not in LOGO_FORMATS:
            raise ValidationError(self.error_messages["format"], code="format")
        width, height = picture.size
        if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
            raise ValidationError(self.error_messages["too_large"], code="too_large")
        image.logo_extension = LOGO_FORMATS[picture.format]
        return image


class BrandForm(forms.Form):
    owner = OwnerChoiceField(label=_("Owner (cluster or colony)"), queryset=OrgUnit.objects.none())
    name = PersianCharField(label=_("Brand name"), max_length=150)
    specification = PersianCharField(
        label=_("Product and quality specification"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: sargol saffron, colouring strength at least 250, moisture at most 10%."))
    rules = LongTextField(label=_("Rules of use (first version)"), max_length=20000,
                          help_text=_("Who may use the brand, on which products, and what happens if a rule is "
                                      "broken."))
    effective_from = JalaliDateField(label=_("Rules effective from"))
    logo = LogoField(label=_("Logo (optional)"), required=False,
                     help_text=_("A PNG or JPEG image of at most 1 MB."))

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("effective_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class LogoForm(forms.Form):
    logo = LogoField(label=_("Logo"), help_text=_("A PNG or JPEG image of at most 1 MB."))


class RulesForm(forms.Form):
    text = LongTextField(label=_("Rules of use"), max_length=20000)
    effective_from = JalaliDateField(label=_("Effective from"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("effective_from", timezone.localdate())
        super().__init__(*args, **kwargs)


class AuthoriseForm(forms.Form):
    national_id = NationalIdField(label=_("National ID of the producer"),
                                  help_text=_("A member of one of the brand's colonies."))
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    valid_from = JalaliDateField(label=_("Valid from"))
    valid_to = JalaliDateField(label=_("Valid to (optional)"), required=False,
                               help_text=_("Empty: until further notice."))
    name_public = forms.BooleanField(
        label=_("The producer agrees that their name is shown on the public provenance page"), required=False,
        help_text=_("Otherwise the page shows only their village or city."))

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("valid_from", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class SanctionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=Sanction.Action.choices, widget=forms.RadioSelect,
                               initial=Sanction.Action.WARNING)
    reason = PersianCharField(label=_("Reason"), max_length=300)


class LotForm(forms.Form):
    authorisation = AuthorisationChoiceField(label=_("Producer and product"), queryset=Authorisation.objects.none())
    quantity = QuantityField(label=_("Quantity"), help_text=_("In the product's unit."))
    made_on = JalaliDateField(label=_("Lot date"), help_text=_("When the lot was harvested or made."))

    def __init__(self, *args: Any, authorisations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("made_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["authorisation"].queryset = authorisations


class InspectForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), widget=forms.RadioSelect,
                               choices=[("pass", _("Passes the specification")), ("fail", _("Fails"))])
    note = PersianCharField(label=_("Note"), max_length=300, required=False,
                            help_text=_("Required when the lot fails: say why."))


class LabelsForm(forms.Form):
    count = IntegerField(label=_("Number of labels"))


class SerialForm(forms.Form):
    """The public look-up: the code printed under the QR, in any case, digits or grouping."""

    serial = forms.CharField(label=_("Code under the QR"),
                             widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                           "spellcheck": "false", "dir": "ltr",
                                                           "placeholder": "ABCD-EFGH-JK"}))
    default_error_messages = {
        "mistyped": _("This code was not read correctly. Check it against the label and enter it again."),
    }

    def clean_serial(self) -> str:
        serial = serials.normalise(self.cleaned_data["serial"][:64])
        if not serials.is_well_formed(serial):
            raise ValidationError(self.default_error_messages["mistyped"], code="mistyped")
        return serial
