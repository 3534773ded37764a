"""The level dashboards: /dashboards/ sends each user to their own widest unit; /dashboards/u/<id>/ is any unit
within their reach, with its figures, its children (drill down), its breadcrumb (drill up) and a metric's 24
months; the children table and the series export as CSV and xlsx."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mardom.core.csv_export import csv_response
from mardom.core.replica import reads_from_replica

from .. import display, figures
from ..exports import xlsx_response
from ..forms import LevelForm
from ..selectors import levels
from ..sources import funds as fund_figures


def _cell(value: Any, metric: Any) -> str:
    """A figure for a narrow cell: the money label may go under its number on a phone (display keeps them
    together with a no-break space elsewhere)."""
    return display.fmt(value, metric).replace("\u00a0", " ")


def _group_label(group: str) -> str:
    return str({"funds": _("Loan funds"), "production": _("Producers and production"),
                "market": _("Market and doubling"), "desk": _("Facilitation desk")}.get(group, group))


@login_required
@reads_from_replica
def dashboard_home(request: HttpRequest) -> HttpResponse:
    units = levels.top_units(user=request.user)
    if not units:
        raise Http404
    if len(units) == 1:
        return redirect("dashboards:unit", pk=units[0].pk)
    return render(request, "dashboards/choose.html", {"units": units})


def _column_titles(cols: figures.Columns) -> dict[str, str]:
    return {
        "month": display.month_label(cols.month),
        "year": _("Year %(y)s") % {"y": display.year_label(cols.year)},
        "last_year": _("Year %(y)s") % {"y": display.year_label(cols.last_year)},
    }


def _query(choice: dict[str, Any], **over: Any) -> str:
    return "?" + urlencode({**choice, **over})


@login_required
@reads_from_replica
def unit_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    asked = LevelForm(request.GET, codes=levels.metric_codes(levels.ALL_GROUPS)).choice()
    page = levels.level(user=request.user, pk=pk, sort=asked["sort"], column=asked["col"],
                        descending=asked["dir"] == "desc")
    unit = page.unit
    codes = levels.metric_codes(page.groups)
    # What this unit's page can show: a metric of a group the unit has no figures in falls back to the first.
    choice = {**asked, "sort": page.sort, "metric": asked["metric"] if asked["metric"] in codes
              else levels.default_of(levels.DEFAULT_CHART, codes)}
    titles = _column_titles(page.cols)
    groups = []
    for group in page.groups:
        rows = []
        for metric in figures.shown_metrics(group):
            rows.append({"metric": metric, "cells": [
                {"title": titles[c], "text": _cell(page.values.column(c).get(metric.code), metric)}
                for c in levels.COLUMNS]})
        groups.append({"code": group, "label": _group_label(group), "rows": rows})
    sort_metric = figures.metric_of(choice["sort"])
    tables = [_child_table(table, page, choice) for table in page.children]
    chart_metric = figures.metric_of(choice["metric"])
    values = [month.get(chart_metric.code) for month in page.series]
    compare = None
    if page.compare is not None:
        compare = _compare_rows(page, choice["col"])
    # A fund's officers see the entries that count in a later month than they are dated (members do not).
    late = (fund_figures.late_entries(fund=unit, limit=20)
            if unit.kind == unit.Kind.FUND and page.access != levels.MEMBER else None)
    return render(request, "dashboards/level.html", {
        "page": page, "unit": unit, "groups": groups, "titles": titles, "columns": levels.COLUMNS,
        "choice": choice, "sort_metric": sort_metric, "tables": tables,
        "all_metrics": [figures.metric_of(code) for code in codes],
        "chart_metric": chart_metric, "chart": display.series_svg(values, page.series_months, chart_metric),
        "chart_rows": display.series_table_rows(values, page.series_months, chart_metric),
        "compare": compare, "is_member": page.access == levels.MEMBER,
        "min_funds": levels.MIN_FUNDS_FOR_AVERAGE, "late_entries": late,
    })


def _child_table(table: levels.ChildTable, page: levels.Level, choice: dict[str, Any]) -> dict[str, Any]:
    """One kind of children: the key figures of the groups both the unit and that kind have (a county's
    institutions show the desk's, not the funds'), and the metric sorted on first if it is not among them."""
    kinds = levels.groups_of_kind(table.kind)
    shown = [code for group in page.groups if group in kinds for code in levels.KEY_METRICS.get(group, ())]
    if choice["sort"] not in shown:
        shown.insert(0, choice["sort"])
    headers = []
    for code in shown:
        again = choice["sort"] == code
        flipped = "asc" if again and choice["dir"] == "desc" else "desc"
        headers.append({"metric": figures.metric_of(code), "sorted": again, "dir": choice["dir"] if again else "",
                        "url": _query(choice, sort=code, dir=flipped)})
    rows = []
    for child in table.rows:
        column = child.values.column(choice["col"])
        rows.append({"unit": child.unit, "mark": child.mark,
                     "cells": [{"title": figures.metric_of(code).label,
                                "text": _cell(column.get(code), figures.metric_of(code))} for code in shown]})
    return {"kind": table.kind, "label": table.label, "rows": rows, "headers": headers}


def _compare_rows(page: levels.Level, column: str) -> dict[str, Any]:
    """The fund's funds figures beside the average fund of its county and province, in one column."""
    cmp = page.compare
    assert cmp is not None
    rows = []
    for metric in figures.shown_metrics("funds"):
        if metric.code == "funds.active":
            continue  # the average fund is one fund: the number of funds averaged is said above the table
        rows.append({
            "metric": metric,
            "own": _cell(page.values.column(column).get(metric.code), metric),
            "county": _cell(cmp.county_avg.column(column).get(metric.code), metric) if cmp.county_avg else "",
            "province": _cell(cmp.province_avg.column(column).get(metric.code), metric) if cmp.province_avg else "",
        })
    return {"c": cmp, "rows": rows}


# --- exports ------------------------------------------------------------------------------------------------
def _metric_header(code: str) -> str:
    metric = figures.metric_of(code)
    unit = display.unit_label(metric)
    return f"{metric.label} ({unit})" if unit else str(metric.label)


def _children_export(request: HttpRequest, pk: int) -> tuple[str, list[str], list[list[Any]]]:
    column = request.GET.get("col", "year")
    column = column if column in levels.COLUMNS else "year"
    unit, codes, rows = levels.children_rows(user=request.user, pk=pk, column=column)
    header = [_("Name"), _("Kind"), *[_metric_header(code) for code in codes]]
    body = ([child.name, child.get_kind_display(), *[values.get(code) for code in codes]] for child, values in rows)
    return f"dashboard-{unit.pk}-children-{column}", header, body  # type: ignore[return-value]


def _series_export(request: HttpRequest, pk: int) -> tuple[str, list[str], Any]:
    unit, codes, months, series = levels.series_rows(user=request.user, pk=pk)
    header = [_("Month"), *[_metric_header(code) for code in codes]]
    body = ([f"{month // 100}/{month % 100:02d}", *[column.get(code) for code in codes]]
            for month, column in zip(months, series, strict=True))
    return f"dashboard-{unit.pk}-series", header, body


@login_required
@reads_from_replica
def children_csv(request: HttpRequest, pk: int) -> HttpResponse:
    name, header, rows = _children_export(request, pk)
    return csv_response(f"{name}.csv", header, rows)


@login_required
@reads_from_replica
def children_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    name, header, rows = _children_export(request, pk)
    return xlsx_response(f"{name}.xlsx", str(_("Children")), header, rows)


@login_required
@reads_from_replica
def series_csv(request: HttpRequest, pk: int) -> HttpResponse:
    name, header, rows = _series_export(request, pk)
    return csv_response(f"{name}.csv", header, rows)


@login_required
@reads_from_replica
def series_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    name, header, rows = _series_export(request, pk)
    return xlsx_response(f"{name}.xlsx", str(_("Month by month")), header, rows)
