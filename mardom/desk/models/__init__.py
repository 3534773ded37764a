"""Models of the desk app, one module per subject, re-exported here for Django and for imports."""

from .figures import InstitutionFigures, RunningDeadline
from .requests import (
    OPEN_STATUSES,
    ReceiverType,
    Request,
    RequestDocument,
    RequestKind,
    RequestStep,
    ServiceLevel,
)

__all__ = ["OPEN_STATUSES", "InstitutionFigures", "ReceiverType", "Request", "RequestDocument", "RequestKind",
           "RequestStep", "RunningDeadline", "ServiceLevel"]
