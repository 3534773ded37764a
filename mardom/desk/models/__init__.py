"""Models of the desk app, one module per subject, re-exported here for Django and for imports."""

from .calendar import Holiday, ProvinceCalendar

__all__ = ["Holiday", "ProvinceCalendar"]
