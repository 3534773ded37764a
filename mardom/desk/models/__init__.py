"""Models of the desk app, one module per subject, re-exported here for Django and for imports."""

from .calendar import Holiday, ProvinceCalendar
from .figures import InstitutionFigures, RunningDeadline
from .referrals import ReferralNeed, RequestReferral
from .requests import (
    OPEN_STATUSES,
    ReceiverType,
    Request,
    RequestDocument,
    RequestKind,
    RequestStep,
    ServiceLevel,
)

__all__ = ["OPEN_STATUSES", "Holiday", "InstitutionFigures", "ProvinceCalendar", "ReceiverType", "ReferralNeed",
           "Request", "RequestDocument", "RequestKind", "RequestReferral", "RequestStep", "RunningDeadline",
           "ServiceLevel"]
