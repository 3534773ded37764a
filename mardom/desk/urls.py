from django.urls import path

from .views import performance

app_name = "desk"

urlpatterns: list = [
    path("performance/", performance.performance, name="performance"),
]
