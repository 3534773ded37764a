from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("doubling/", views.doubling_page, name="doubling"),
    path("doubling/producers/<int:pk>/", views.doubling_producer, name="doubling-producer"),
]
