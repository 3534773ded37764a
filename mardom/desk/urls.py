from django.urls import path

from .views import calendar, inbox, performance, person_file, requests

app_name = "desk"

urlpatterns: list = [
    # The working calendar (views/calendar.py)
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/holidays/new/", calendar.holiday_create, name="holiday-create"),
    path("calendar/holidays/<int:pk>/edit/", calendar.holiday_edit, name="holiday-edit"),
    path("calendar/holidays/<int:pk>/delete/", calendar.holiday_delete, name="holiday-delete"),
    path("calendar/provinces/<int:pk>/thursday/", calendar.thursday_set, name="calendar-thursday"),
    # The person's file (views/person_file.py)
    path("file/", person_file.file_lookup, name="file-lookup"),
    path("file/me/", person_file.file_me, name="file-me"),
    path("file/me/<slug:key>/", person_file.file_me, name="file-me-section"),
    path("file/<int:pk>/", person_file.file_detail, name="file"),
    path("file/<int:pk>/<slug:key>/", person_file.file_detail, name="file-section"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request-new"),
    path("requests/mine/", requests.my_requests, name="mine"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/answer/", requests.request_answer, name="request-answer"),
    path("requests/<int:pk>/documents/", requests.document_add, name="document-add"),
    path("requests/<int:pk>/documents/<int:doc>/", requests.document_download, name="document"),
    path("requests/<int:pk>/<slug:action>/", requests.request_act, name="request-act"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("service-levels/", requests.service_levels, name="service-levels"),
    path("performance/", performance.performance, name="performance"),
]
