"""Template filters for Persian display; loaded as a builtin (settings TEMPLATES "builtins").

Filters never raise: a value of the wrong type is shown unchanged, so a template can not cause a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.translation import gettext

from mardom.core.digits import localize_digits
from mardom.core.jalali import format_jalali, format_jalali_datetime, month_name
from mardom.core.money import format_money, format_number

register = template.Library()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# is_safe: the output adds no HTML-special characters, so safe input stays safe and other input is escaped.
@register.filter(is_safe=True)
def fa_digits(value: Any) -> str:
    """Digits in the active language: {{ value|fa_digits }}."""
    return "" if value is None else localize_digits(str(value))


@register.filter(is_safe=True)
def num(value: Any) -> Any:
    """An integer with thousands separators: {{ count|num }}."""
    return format_number(value) if _is_int(value) else value


@register.filter(is_safe=True)
def absolute(value: Any) -> Any:
    """The size of a signed amount (the sign is said in words beside it): {{ balance|absolute|money }}."""
    return abs(value) if _is_int(value) else value


@register.filter(is_safe=True)
def qty(value: Any) -> str:
    """A decimal quantity without trailing zeros, in the page's digits: {{ line.quantity|qty }}."""
    from mardom.core.digits import format_quantity

    return "" if value is None or value == "" else format_quantity(value)


@register.filter(is_safe=True)
def money(value: Any) -> Any:
    """Integer rials in the display unit with its label: {{ loan.amount|money }}."""
    return format_money(value) if _is_int(value) else value


@register.filter(is_safe=True)
def jdate(value: Any, style: str = "short") -> Any:
    """A Jalali date: {{ d|jdate }} -> ۱۴۰۳/۱۲/۳۰, {{ d|jdate:"long" }} -> ۳۰ اسفند ۱۴۰۳."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.date):
        return value
    return format_jalali(value, "long" if style == "long" else "short")


@register.filter(name="jdatetime", is_safe=True)
def jdatetime_filter(value: Any) -> Any:
    """A Jalali date with local time: {{ created_at|jdatetime }} -> ۱۴۰۳/۱۲/۳۰ ۱۴:۰۵."""
    if value is None or value == "":
        return ""
    return format_jalali_datetime(value) if isinstance(value, dt.date) else value


@register.filter
def role_label(value: str) -> str:
    """The translated name of a role code (grants carry codes, not model instances)."""
    from mardom.people.roles import Role

    try:
        return str(Role(value).label)
    except ValueError:
        return value


@register.filter
def permille_as_percent(value: int) -> str:
    """A per-thousand integer shown as a percentage with one decimal: 125 -> ۱۲٫۵٪ (integer arithmetic)."""
    try:
        whole, tenth = divmod(int(value), 10)
    except (TypeError, ValueError):
        return ""
    text = f"{whole}.{tenth}%" if tenth else f"{whole}%"
    if (translation.get_language() or "fa").startswith("fa"):
        text = text.replace(".", "٫").replace("%", "٪")
    return localize_digits(text)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, or "" when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def slice_from(sequence: Any, start: int) -> Any:
    """sequence[start:], for a start that is itself a variable."""
    try:
        return sequence[int(start):]
    except (TypeError, ValueError):
        return sequence


class PageTitleNode(template.Node):
    child_nodelists = ("nodelist",)  # so {% extends %} finds the {% block title %} inside and children fill it

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        title = self.nodelist.render(context).strip()  # already escaped by the template engine
        site = conditional_escape(gettext("Mardom"))
        return f"{title} – {site}" if title else site


@register.tag("page_title")
def page_title(parser: template.base.Parser, token: template.base.Token) -> PageTitleNode:
    """<title>{% page_title %}{% block title %}{% endblock %}{% endpage_title %}</title>: «خانه – مردم», and the
    site's name alone where a page has no title of its own."""
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)


@register.filter
def with_errors(fields: Any) -> list[Any]:
    """The bound fields that carry errors, for the summary at the top of a refused form."""
    try:
        return [field for field in fields if field.errors]
    except TypeError:
        return []


@register.simple_tag
def rials_per_unit() -> int:
    """How many rials one typed unit is (a toman is ten): the offline queue turns a typed price into rials."""
    from mardom.core.money import RIALS_PER_UNIT, _resolve_unit

    return RIALS_PER_UNIT[_resolve_unit(None)]


@register.filter
def jmonth(month: Any) -> str:
    """A Jalali month's name from its number (8 → آبان)."""
    return month_name(int(month)) if _is_int(month) and 1 <= int(month) <= 12 else ""
