from django.urls import path

from .views import calendar

app_name = "desk"

urlpatterns: list = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/holidays/new/", calendar.holiday_create, name="holiday-create"),
    path("calendar/holidays/<int:pk>/edit/", calendar.holiday_edit, name="holiday-edit"),
    path("calendar/holidays/<int:pk>/delete/", calendar.holiday_delete, name="holiday-delete"),
    path("calendar/provinces/<int:pk>/thursday/", calendar.thursday_set, name="calendar-thursday"),
]
