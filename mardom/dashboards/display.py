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
# A narrow drawing (scaled to the page's width): on a 360 px phone a unit of the drawing is about 0.7 px, so
# its 20-unit text reads at about 14 px.
WIDTH, HEIGHT = 480, 250
TOP, BOTTOM = 30, 58
LABEL_EVERY = 6  # months between labels, counted back from the newest


def _compact(value: int, metric: metrics.Metric) -> str:
    """A scale mark short enough for a phone: 140,150,000 tomans → "۱۴۰ میلیون تومان"."""
    from django.conf import settings

    if metric.unit != metrics.RIALS:
        return fmt(value, metric)
    toman = getattr(settings, "MONEY_DISPLAY_UNIT", "toman") == "toman"
    amount = value // 10 if toman else value
    unit = _("toman") if toman else _("rial")
    for size, words in ((10**9, _("%(n)s billion")), (10**6, _("%(n)s million")), (10**3, _("%(n)s thousand"))):
        if abs(amount) >= size:
            return f"{words % {'n': format_number(amount // size)}} {unit}"
    return f"{format_number(amount)} {unit}"


def series_svg(values: Sequence[int | None], months: Sequence[int], metric: metrics.Metric) -> SafeString:
    """Bars, one a month, the oldest on the right and the newest on the left; under every sixth month back from
    the newest its Jalali name and year; each bar has a title with its month and figure. A missing share (None)
    draws no bar."""
    n = len(values)
    present = [v for v in values if v is not None]
    high = max([0, *present])
    low = min([0, *present])
    span = (high - low) or 1
    plot_h = HEIGHT - TOP - BOTTOM
    step = WIDTH / max(n, 1)
    bar_w = max(step * 0.72, 1)

    def y_of(value: int) -> float:
        return TOP + (high - value) * plot_h / span

    zero = y_of(0)
    parts: list[str] = []
    # The scale: a line at the top (and at the bottom when there are negatives), its figure written above it
    # at the right, where a right-to-left reader starts; the zero line plain.
    for mark in sorted({high, low} - {0}, reverse=True):
        y = y_of(mark)
        parts.append(format_html(
            '<line x1="0" x2="{}" y1="{}" y2="{}" class="grid"/><text x="{}" y="{}" class="scale">{}</text>',
            WIDTH, f"{y:.1f}", f"{y:.1f}", WIDTH - 2, f"{y - 6:.1f}", _compact(mark, metric)))
    parts.append(format_html('<line x1="0" x2="{}" y1="{}" y2="{}" class="axis"/>', WIDTH, f"{zero:.1f}",
                             f"{zero:.1f}"))
    for index, (value, month) in enumerate(zip(values, months, strict=True)):
        # index 0 is the oldest month: it stands at the right edge, the newest at the left.
        x = (n - 1 - index) * step + (step - bar_w) / 2
        label = month_label(month)
        if value is not None:
            top, bottom = sorted((y_of(value), zero))
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar{}"><title>{}: {}</title></rect>',
                f"{x:.1f}", f"{top:.1f}", f"{bar_w:.1f}", f"{max(bottom - top, 0.5):.1f}",
                " newest" if index == n - 1 else "", label, fmt(value, metric)))
        if (n - 1 - index) % LABEL_EVERY == 0:
            cx = x + bar_w / 2
            # The newest month's label stands at the left edge: it starts at its bar and runs right, so it is
            # not cut in half by the edge of the drawing.
            edge = index == n - 1
            tx, css = (x, " edge") if edge else (cx, "")
            parts.append(format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" class="tick"/>'
                '<text x="{}" y="{}" class="month{}">{}</text><text x="{}" y="{}" class="month year{}">{}</text>',
                f"{cx:.1f}", f"{cx:.1f}", f"{zero:.1f}", f"{zero + 5:.1f}",
                f"{tx:.1f}", HEIGHT - BOTTOM + 24, css, month_name(month % 100),
                f"{tx:.1f}", HEIGHT - BOTTOM + 48, css, year_label(month)))
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
