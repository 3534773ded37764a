from django.urls import path

from .views import person_file

app_name = "desk"

urlpatterns: list = [
    # The person's file (views/person_file.py)
    path("file/", person_file.file_lookup, name="file-lookup"),
    path("file/me/", person_file.file_me, name="file-me"),
    path("file/me/<slug:key>/", person_file.file_me, name="file-me-section"),
    path("file/<int:pk>/", person_file.file_detail, name="file"),
    path("file/<int:pk>/<slug:key>/", person_file.file_detail, name="file-section"),
]
