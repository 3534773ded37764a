"""Forms for answering colony suggestions, and for editing colonies and clusters. They only parse; the rules
(who may, which producers, which products) are in services/clusters.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mardom.core.digits import to_latin_digits
from mardom.core.forms import NationalIdField, PersianCharField
from mardom.geo.models import Place

from ..models import Producer, Product

# Ids of the offered producers, comma-separated; at most a colony's worth of ids, each a sane integer.
_OFFER = re.compile(r"[0-9]{1,12}(,[0-9]{1,12}){0,199}")
_ID = re.compile(r"[0-9]{1,12}")


class OfferField(forms.CharField):
    """The offered producers' ids as one hidden value ("3,8,15"), cleaned to a tuple of ints."""

    widget = forms.HiddenInput

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> tuple[int, ...]:
        text = to_latin_digits(str(super().to_python(value) or "")).replace(" ", "")
        if not text:
            return ()
        if not _OFFER.fullmatch(text):
            raise forms.ValidationError(_("This suggestion is out of date; here are the current ones."),
                                        code="invalid")
        return tuple(int(part) for part in text.split(","))


def parse_id(value: Any) -> int | None:
    """A posted id, or None for anything that is not one (so no lookup with it can fail)."""
    text = to_latin_digits(str(value or "")).strip()
    return int(text) if _ID.fullmatch(text) else None


def parse_ids(values: Iterable[Any]) -> list[int]:
    """Posted ids that look like ids (anything else is dropped: a choice field then refuses the form)."""
    return [i for i in (parse_id(v) for v in values) if i is not None]


class _OfferForm(forms.Form):
    """Names one suggestion: its product line, place and offered producers (all hidden)."""

    product = forms.ModelChoiceField(queryset=Product.objects.all(), to_field_name="code", widget=forms.HiddenInput)
    place = forms.ModelChoiceField(queryset=Place.objects.all(), widget=forms.HiddenInput)
    offer = OfferField(required=False)

    def offered(self) -> tuple[int, ...]:
        return self.cleaned_data.get("offer") or ()

    def offer_key(self) -> tuple[str, int, tuple[int, ...]] | None:
        """The suggestion's identity as posted (see selectors.colony_offers), or None if the hidden part of
        the form is broken (a stale or tampered page)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        product, place = self.cleaned_data.get("product"), self.cleaned_data.get("place")
        offered = self.offered()
        if product is None or place is None or not offered:
            return None
        return (product.code, place.pk, tuple(sorted(offered)))


class SuggestionAcceptForm(_OfferForm):
    """Accept a suggestion as offered (every producer ticked), or edited: producers unticked, another name, a
    coordinator among the producers."""

    producers = forms.TypedMultipleChoiceField(label=_("Producers"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                               help_text=_("Untick those who should not join; two at least stay."))
    name = PersianCharField(label=_("Colony name"), max_length=150, required=False)
    coordinator = forms.TypedChoiceField(label=_("Coordinator"), coerce=int, empty_value=None, required=False,
                                         help_text=_("One of the producers, who keeps the colony together."))

    def __init__(self, *args: Any, labels: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Choices come from the posted offer (a page from before this change posts no offer: then the
            # ticked producers are the offer). The service checks the offer is still a current suggestion.
            if self.data.get("offer"):
                ids = self._raw_offer()
            else:
                ids = parse_ids(self.data.getlist("producers") if hasattr(self.data, "getlist") else [])
                self.data = self.data.copy()
                self.data["offer"] = ",".join(str(i) for i in ids)
        else:
            ids = list(self.initial.get("offer") or ())
        self.set_labels({i: str(i) for i in ids} | (labels or {}), ids)

    def _raw_offer(self) -> list[int]:
        try:
            return list(self.fields["offer"].clean(self.data.get("offer", "")))
        except forms.ValidationError:
            return []

    def set_labels(self, labels: dict[int, str], ids: Iterable[int] | None = None) -> None:
        """Name the offered producers beside their checkboxes (and in the coordinator list)."""
        ids = list(ids if ids is not None else [value for value, _label in self.fields["producers"].choices])
        choices = [(i, labels.get(i, str(i))) for i in ids]
        self.fields["producers"].choices = choices
        self.fields["coordinator"].choices = [("", _("Not now")), *choices]

    def clean_producers(self) -> list[int]:
        chosen = self.cleaned_data["producers"]
        if len(chosen) < 2:
            raise forms.ValidationError(_("A colony needs at least two producers."))
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        coordinator, chosen = data.get("coordinator"), data.get("producers")
        if coordinator is not None and chosen is not None and coordinator not in chosen:
            self.add_error("coordinator", _("The coordinator must be one of the chosen producers."))
        return data


class SuggestionRejectForm(_OfferForm):
    note = PersianCharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                            error_messages={"required": _("Say why this suggestion is rejected.")})


class ColonyRenameForm(forms.Form):
    name = PersianCharField(label=_("Colony name"), max_length=150)


class CoordinatorForm(forms.Form):
    coordinator = forms.TypedChoiceField(label=_("Coordinator"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, people: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].choices = [("", _("No coordinator")), *people]


class MemberAddForm(forms.Form):
    """A producer to add to a colony: by national ID, or chosen from the county's free producers of the line."""

    national_id = NationalIdField(label=_("National ID of the producer"), required=False)
    producer = forms.TypedChoiceField(label=_("Or choose a producer"), coerce=int, empty_value=None,
                                      required=False)

    def __init__(self, *args: Any, candidates: Iterable[Producer] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["producer"].choices = [("", "—")] + [
            (p.pk, f"{p.person.full_name} — {p.place.name}") for p in candidates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("national_id", "producer") if data.get(name)]
        if not given and not self.errors:
            raise forms.ValidationError(_("Type a national ID or choose a producer."))
        if len(given) == 2:
            raise forms.ValidationError(_("Type a national ID or choose a producer, not both."))
        return data


class ClusterForm(forms.Form):
    name = PersianCharField(label=_("Name"), max_length=150)
    goals = PersianCharField(label=_("Goals"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    focus_product = forms.ModelChoiceField(label=_("Focus product"), queryset=Product.objects.none())

    def __init__(self, *args: Any, value_chain: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the chain's products are offered; the service refuses any other (a tampered form).
        self.fields["focus_product"].queryset = Product.objects.filter(value_chain=value_chain).order_by("name")
