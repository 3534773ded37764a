"""Iran's official holidays for the working calendar, from the `holidays` package (kept up to date by its
maintainers from the official calendar, time.ir and the government's announcements).

Used by migration 0002 (with the historical model: every install starts with 1404 and 1405), by the
`desk-holidays` command for later years, and by the test suite's reference-data reload, so it takes the model
class as an argument and relies only on the fields of migration 0001.

A lunar (Islamic) holiday is fixed only when the moon is sighted: the package marks a date it has not seen
confirmed as estimated, and so do we, unless another holiday of the same day (Nowruz, say) is certain. The
package's own names are kept (several on one day are joined with "؛"), in Persian digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import holidays as holidays_package
import jdatetime

from mardom.core.digits import to_persian_digits
from mardom.core.text import normalize_text

SEEDED_YEARS = (1404, 1405)  # what migration 0002 loads: the Jalali years around the programme's start


@dataclass(frozen=True)
class OfficialHoliday:
    date: dt.date
    name: str
    estimated: bool


def jalali_year_range(year: int) -> tuple[dt.date, dt.date]:
    """The first and last Gregorian day of Jalali `year`."""
    first = jdatetime.date(year, 1, 1).togregorian()
    return first, jdatetime.date(year + 1, 1, 1).togregorian() - dt.timedelta(days=1)


def official_holidays(year: int) -> list[OfficialHoliday]:
    """Iran's official holidays of Jalali `year`, in date order."""
    first, last = jalali_year_range(year)
    years = list(range(first.year, last.year + 1))
    plain = holidays_package.Iran(years=years, language="fa_IR", islamic_show_estimated=False)
    marked = holidays_package.Iran(years=years, language="fa_IR", islamic_show_estimated=True)
    found = []
    for day in sorted(d for d in plain if first <= d <= last):
        names = plain.get_list(day)
        # The marked list carries "(estimated)" on exactly the names whose date is not confirmed.
        estimated = [a != b for a, b in zip(names, marked.get_list(day), strict=True)]
        name = "؛ ".join(dict.fromkeys(normalize_text(to_persian_digits(n)) for n in names))
        found.append(OfficialHoliday(date=day, name=name[:200], estimated=all(estimated)))
    return found


def seed_holidays(holiday_model: Any, *, years: Iterable[int] = SEEDED_YEARS, using: str = "default") -> int:
    """Add the official holidays of `years` that the table lacks as national holidays; returns how many.

    Idempotent: a date already in the table (seeded before, or entered or edited by an officer) is left as it
    is. A holiday an officer removed comes back if this is run again for its year."""
    Holiday = holiday_model
    wanted = [h for year in years for h in official_holidays(year)]
    if not wanted:
        return 0
    have = set(Holiday.objects.using(using).filter(
        province__isnull=True, date__gte=wanted[0].date, date__lte=wanted[-1].date,
    ).values_list("date", flat=True))
    new = [Holiday(date=h.date, name=h.name, estimated=h.estimated) for h in wanted if h.date not in have]
    Holiday.objects.using(using).bulk_create(new)
    return len(new)
