"""PlaceField and its picker widget."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from mardom.geo.forms import PlaceField, PlacePickerWidget
from mardom.geo.models import Place

pytestmark = pytest.mark.django_db

QAENAT = 1_318


class HomeForm(forms.Form):
    home = PlaceField(kinds=["village", "city"])
    county = PlaceField(kinds=["county"], required=False)


def qaen_city() -> Place:
    return Place.objects.get(kind="city", name="قاین")


def test_valid_choice() -> None:
    form = HomeForm(data={"home": str(qaen_city().pk), "county": str(QAENAT)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["home"] == qaen_city()
    assert form.cleaned_data["county"].name == "قاینات"


@pytest.mark.parametrize("value", ["999999999", "abc", "-1", "1.5"])
def test_unknown_id_is_rejected_with_a_clear_message(value: str) -> None:
    with translation.override("en"):
        form = HomeForm(data={"home": value})
        assert not form.is_valid()
        assert form.errors["home"] == ["Choose a place from the list."]


def test_a_place_of_another_kind_is_rejected_like_an_unknown_one() -> None:
    with translation.override("en"):
        form = HomeForm(data={"home": str(QAENAT)})  # a county, where a village or city is wanted
        assert not form.is_valid()
        assert form.errors["home"] == ["Choose a place from the list."]


def test_empty_hidden_input_is_required_error() -> None:
    with translation.override("en"):
        form = HomeForm(data={"home": "", "q": "قاین"})  # typed but never clicked an option
        assert not form.is_valid()
        assert form.errors["home"] == ["This field is required."]


def test_widget_renders_hidden_value_search_box_and_label() -> None:
    form = HomeForm(initial={"home": qaen_city().pk})
    html = str(form["home"])
    assert f'type="hidden" name="home" id="id_home" value="{qaen_city().pk}"' in html
    assert 'type="search"' in html and 'id="id_home_search"' in html
    assert 'hx-get="/geo/places/?field=home&amp;kinds=village%2Ccity"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#id_home_results"' in html
    assert qaen_city().full_name in html
    assert 'for="id_home_search"' in form["home"].label_tag()


def test_widget_with_a_tampered_value_renders_empty() -> None:
    html = str(HomeForm(data={"home": "nonsense"})["home"])
    assert 'type="hidden" name="home" id="id_home" value=""' in html


def test_unknown_kinds_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Unknown place kinds"):
        PlaceField(kinds=["town"])
    with pytest.raises(ValueError):
        PlacePickerWidget(kinds=["town"])
