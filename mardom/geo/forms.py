"""The place picker: a form field and its htmx widget, and the search form behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import Place
from .selectors import place_get


def _clean_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return ()
    unknown = set(kinds) - set(Place.Kind.values)
    if unknown:
        # A programming error, not user input: fail loudly at import/form construction.
        raise ValueError(f"Unknown place kinds: {sorted(unknown)}")
    return tuple(kinds)


class PlacePickerWidget(forms.Widget):
    """A hidden input with the chosen Place id, a search box that fetches options with htmx, and the label.

    Clicking an option (geo/place-picker.js) fills the hidden input. Without JavaScript nothing is filled,
    so the field reports "required" instead of guessing from the typed text.
    """

    template_name = "geo/widgets/place_picker.html"

    class Media:
        js = ["geo/place-picker.js"]

    def __init__(self, attrs: dict[str, Any] | None = None, kinds: Iterable[str] | None = None) -> None:
        super().__init__(attrs)
        self.kinds = _clean_kinds(kinds)

    def search_url(self, name: str) -> str:
        params = {"field": name}
        if self.kinds:
            params["kinds"] = ",".join(self.kinds)
        return f"{reverse('geo:place-search')}?{urlencode(params)}"

    def id_for_label(self, id_: str) -> str:
        # The <label> belongs to the box a person types in, not to the hidden id.
        return f"{id_}_search" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget_id = widget["attrs"].get("id") or f"id_{name}"
        widget["attrs"]["id"] = widget_id
        widget["search_id"] = f"{widget_id}_search"
        widget["results_id"] = f"{widget_id}_results"
        widget["label_id"] = f"{widget_id}_label"
        widget["search_url"] = self.search_url(name)
        widget["place"] = self._place(value)
        return context

    @staticmethod
    def _place(value: Any) -> Place | None:
        if isinstance(value, Place):
            return value
        if value in (None, ""):
            return None
        try:
            return place_get(pk=value)
        except (Place.DoesNotExist, ValueError, TypeError):
            return None  # a tampered or stale id: show nothing; the field's error says why


class PlaceField(forms.ModelChoiceField):
    """Choose one Place, optionally only of some kinds, e.g. PlaceField(kinds=["village", "city"])."""

    widget = PlacePickerWidget
    default_error_messages = {
        "invalid_choice": _("Choose a place from the list."),
    }

    def __init__(self, *, kinds: Sequence[str] | None = None, **kwargs: Any) -> None:
        self.kinds = _clean_kinds(kinds)
        queryset = Place.objects.select_related("county", "province")
        if self.kinds:
            # A valid id of another kind is rejected like an unknown one.
            queryset = queryset.filter(kind__in=self.kinds)
        kwargs.setdefault("widget", PlacePickerWidget(kinds=self.kinds))
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Place) -> str:
        return obj.full_name


class PlaceSearchForm(forms.Form):
    """The picker's GET parameters. Anything odd is ignored rather than an error: it is a search box."""

    q = forms.CharField(required=False, max_length=100, strip=True)
    kinds = forms.CharField(required=False, max_length=200)
    field = forms.CharField(required=False, max_length=100)

    def clean_kinds(self) -> list[str] | None:
        raw = self.cleaned_data.get("kinds") or ""
        kinds = [kind.strip() for kind in raw.split(",") if kind.strip() in Place.Kind.values]
        return kinds or None
