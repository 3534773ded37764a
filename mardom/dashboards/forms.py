"""What a dashboard's address may ask for: the metric to sort the children on, the column, the direction and the
metric to chart. Anything else (a code that does not exist, a typo) falls back to the default: a dashboard link
someone shortened or mistyped still opens."""

from __future__ import annotations

from typing import Any

from django import forms

from .selectors.levels import COLUMNS


class LevelForm(forms.Form):
    sort = forms.CharField(required=False, max_length=40)
    col = forms.ChoiceField(required=False, choices=[(c, c) for c in COLUMNS])
    dir = forms.ChoiceField(required=False, choices=[("desc", "desc"), ("asc", "asc")])
    metric = forms.CharField(required=False, max_length=40)

    def __init__(self, data: Any, *, codes: list[str]) -> None:
        super().__init__(data)
        self.codes = codes

    def choice(self) -> dict[str, Any]:
        """The cleaned choices, each field on its own: one bad field does not reset the others."""
        self.is_valid()
        clean = getattr(self, "cleaned_data", {})
        # "" for a code not asked or not known: the page picks the unit's default.
        sort = clean.get("sort") if clean.get("sort") in self.codes else ""
        metric = clean.get("metric") if clean.get("metric") in self.codes else ""
        return {"sort": sort, "col": clean.get("col") or "year", "dir": clean.get("dir") or "desc",
                "metric": metric}
