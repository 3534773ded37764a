from django.urls import path

from . import views

urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/status/", views.document_status, name="document-status"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
]
