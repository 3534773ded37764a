"""How a figure is shown: in its unit (money, a count, a share, days), with Persian digits and Jalali month names,
and a metric's 24 months as an inline SVG chart drawn right-to-left (the newest month on the left), so the page
is readable without any script and weighs a few kilobytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mardom.core.digits import localize_digits
from mardom.core.jalali import month_name
from mardom.core.money import format_money, format_number
from mardom.core.templatetags.mardom import permille_as_percent

from . import figures, metrics

MISSING = "—"


def fmt(value: Any, metric: metrics.Metric) -> str:
    """A figure as a person reads it; a share of nothing (None) is a dash, not a zero."""
    if value is None:
        return MISSING
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    if metric.unit == metrics.RIALS:
        return format_money(value)
    if metric.unit == figures.PERMILLE:
        return permille_as_percent(value)
    if metric.unit == figures.DAYS:
        return _("%(n)s working days") % {"n": format_number(value)}
    return format_number(value)


def unit_label(metric: metrics.Metric) -> str:
    """What an export's number is in (the header says it, the cell holds the plain number)."""
    return {metrics.RIALS: _("rials"), figures.PERMILLE: _("per thousand"), figures.DAYS: _("working days")}.get(
        metric.unit, "")


def month_label(period: int) -> str:
    """1405/09 → "آذر ۱۴۰۵"."""
    return f"{month_name(period % 100)} {localize_digits(str(period // 100))}"


def year_label(period: int) -> str:
    return localize_digits(str(period // 100))


# --- the chart ----------------------------------------------------------------------------------------------
WIDTH, HEIGHT = 720, 300
TOP, BOTTOM, SIDE = 24, 56, 96  # room for the scale (on the right, where a right-to-left reader starts)


def _compact(value: int, metric: metrics.Metric) -> str:
    return fmt(value, metric)


def series_svg(values: Sequence[int | None], months: Sequence[int], metric: metrics.Metric) -> SafeString:
    """Bars, one a month, the oldest on the right and the newest on the left; a Jalali label under every third
    month (and every Farvardin, with its year); each bar has a title with its month and figure. A missing share
    (None) draws no bar."""
    n = len(values)
    present = [v for v in values if v is not None]
    high = max([0, *present])
    low = min([0, *present])
    span = (high - low) or 1
    plot_w = WIDTH - SIDE - 8
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(n, 1)
    bar_w = max(step * 0.7, 1)

    def y_of(value: int) -> float:
        return TOP + (high - value) * plot_h / span

    zero = y_of(0)
    parts: list[str] = []
    # The scale: the top, the zero line and (when there are negatives) the bottom, written on the right.
    marks = sorted({high, 0, low}, reverse=True)
    for mark in marks:
        y = y_of(mark)
        parts.append(format_html(
            '<line x1="0" x2="{}" y1="{}" y2="{}" class="grid"/><text x="{}" y="{}" class="scale">{}</text>',
            WIDTH - SIDE, f"{y:.1f}", f"{y:.1f}", WIDTH - 4, f"{y + 5:.1f}", _compact(mark, metric)))
    for index, (value, month) in enumerate(zip(values, months, strict=True)):
        # index 0 is the oldest month: it stands at the right edge of the plot, the newest at the left.
        x = (n - 1 - index) * step + (step - bar_w) / 2
        label = month_label(month)
        if value is not None:
            top, bottom = sorted((y_of(value), zero))
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar{}"><title>{}: {}</title></rect>',
                f"{x:.1f}", f"{top:.1f}", f"{bar_w:.1f}", f"{max(bottom - top, 0.5):.1f}",
                " newest" if index == n - 1 else "", label, fmt(value, metric)))
        if month % 100 == 1 or (n - 1 - index) % 3 == 0:
            cx = x + bar_w / 2
            parts.append(format_html(
                '<text x="{}" y="{}" class="month">{}</text>', f"{cx:.1f}", HEIGHT - BOTTOM + 22,
                month_name(month % 100)))
            if month % 100 == 1 or index == n - 1 or index == 0:
                parts.append(format_html('<text x="{}" y="{}" class="month year">{}</text>', f"{cx:.1f}",
                                         HEIGHT - BOTTOM + 44, year_label(month)))
    body = mark_safe("".join(parts))  # every part above is built with format_html
    title = _("%(metric)s in the last %(n)s months, the newest on the left") % {
        "metric": metric.label, "n": format_number(n)}
    return format_html(
        '<svg class="series" viewBox="0 0 {} {}" role="img" aria-label="{}" data-test="series-chart" '
        'data-newest="{}" data-oldest="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        WIDTH, HEIGHT, title, months[-1] if months else "", months[0] if months else "", body)


def series_table_rows(values: Sequence[Any], months: Sequence[int], metric: metrics.Metric) -> SafeString:
    """The same figures as rows, newest first, for reading without the picture."""
    rows = [(month_label(month), fmt(value, metric)) for month, value in reversed(list(zip(months, values,
                                                                                                strict=True)))]
    return format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
