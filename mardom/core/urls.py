from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("favicon.ico", views.favicon, name="favicon"),
]
