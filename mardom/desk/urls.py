from django.urls import path

from .views import calendar, person_file

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
]
