from django.urls import path

from .views import attendance, certificates, courses

app_name = "training"

# The public certificate pages (c/ and c/<code>/) are in config/urls.py: a printed QR code holds a short address.
urlpatterns = [
    path("", courses.course_list, name="list"),
    path("new/", courses.course_create, name="create"),
    path("mine/", courses.my_courses, name="mine"),
    path("<int:pk>/", courses.course_detail, name="course"),
    path("<int:pk>/edit/", courses.course_edit, name="edit"),
    path("<int:pk>/sessions/", courses.session_add, name="session-add"),
    path("<int:pk>/sessions/<int:session>/remove/", courses.session_remove, name="session-remove"),
    path("<int:pk>/publish/", courses.course_publish, name="publish"),
    path("<int:pk>/cancel/", courses.course_cancel, name="cancel"),
    path("<int:pk>/enrol/", courses.enrol, name="enrol"),
    path("<int:pk>/enrol-person/", courses.enrol_person, name="enrol-person"),
    path("enrolments/<int:pk>/withdraw/", courses.withdraw, name="withdraw"),
    path("sessions/<int:pk>/", attendance.session_page, name="session"),
    path("sessions/<int:pk>/qr/", attendance.session_qr, name="session-qr"),
    path("scan/<int:session>/<int:window>/<str:token>/", attendance.scan, name="scan"),
    path("certificates/<int:pk>.pdf", certificates.certificate_pdf, name="certificate-pdf"),
    path("certificates/<int:pk>/revoke/", certificates.certificate_revoke, name="certificate-revoke"),
]
