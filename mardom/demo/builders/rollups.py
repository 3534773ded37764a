"""Demo data of the dashboards: the roll-ups drained and the month's gauges set, as the worker and the daily
snapshot would have left them. Call last in `Builder.build()`: every step above writes figure changes."""

from __future__ import annotations

from typing import Any

from mardom.dashboards.rollups import drain
from mardom.dashboards.sources.funds import par30_snapshot


def build(builder: Any) -> None:
    drain()
    par30_snapshot()
    drain()
