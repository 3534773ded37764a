from django.urls import path

from . import views

app_name = "geo"

urlpatterns = [
    path("places/", views.place_search_view, name="place-search"),
]
