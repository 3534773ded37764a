"""Writes of the training app (DESIGN.md: services), one module per subject."""

from .attendance import attendance_mark, attendance_scan
from .certificates import certificate_check, certificate_issue, certificate_revoke, public_url
from .courses import (
    COURSE_TRANSITIONS,
    course_cancel,
    course_create,
    course_publish,
    course_update,
    publishing_units,
    session_add,
    session_remove,
)
from .enrolments import (
    ENROLMENT_TRANSITIONS,
    eligibility_problem,
    enrolment_completed,
    enrolment_create,
    enrolment_withdraw,
    progress_of,
)

__all__ = [
    "COURSE_TRANSITIONS", "ENROLMENT_TRANSITIONS", "attendance_mark", "attendance_scan", "certificate_check",
    "certificate_issue", "certificate_revoke", "course_cancel", "course_create", "course_publish",
    "course_update", "eligibility_problem", "enrolment_completed", "enrolment_create", "enrolment_withdraw",
    "progress_of", "public_url", "publishing_units", "session_add", "session_remove",
]
