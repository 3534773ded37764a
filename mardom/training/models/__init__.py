"""Models of the training app, one module per subject, re-exported here for Django and for imports."""

from .certificates import Certificate
from .courses import Course, Session
from .enrolments import Attendance, Enrolment

__all__ = ["Attendance", "Certificate", "Course", "Enrolment", "Session"]
