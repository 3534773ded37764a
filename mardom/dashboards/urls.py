from django.urls import path

from . import views
from .views import levels

app_name = "dashboards"

urlpatterns = [
    path("doubling/", views.doubling_page, name="doubling"),
    path("doubling/producers/<int:pk>/", views.doubling_producer, name="doubling-producer"),
    path("", levels.dashboard_home, name="home"),
    path("u/<int:pk>/", levels.unit_dashboard, name="unit"),
    path("u/<int:pk>/children.csv", levels.children_csv, name="children-csv"),
    path("u/<int:pk>/children.xlsx", levels.children_xlsx, name="children-xlsx"),
    path("u/<int:pk>/series.csv", levels.series_csv, name="series-csv"),
    path("u/<int:pk>/series.xlsx", levels.series_xlsx, name="series-xlsx"),
]
