"""Scoped reads of the training app (DESIGN.md: selectors), one module per subject."""

from .certificates import certificate_get
from .chains import running_courses
from .courses import (
    course_get,
    enrolment_of,
    is_staff,
    managed_course_get,
    managed_enrolment_get,
    may_manage,
    may_teach,
    my_enrolments,
    open_courses,
    own_enrolment_get,
    roster,
    session_for_scan,
    session_for_teacher,
    session_roster,
    sessions_of,
    staff_courses,
    visible_courses,
)
from .files import FileSection, file_section

__all__ = [
    "FileSection", "certificate_get", "course_get", "enrolment_of", "file_section", "is_staff",
    "managed_course_get", "managed_enrolment_get", "may_manage", "may_teach", "my_enrolments", "open_courses",
    "own_enrolment_get", "roster", "running_courses", "session_for_scan", "session_for_teacher", "session_roster",
    "sessions_of", "staff_courses", "visible_courses",
]
