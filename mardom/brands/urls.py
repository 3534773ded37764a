from django.urls import path

from . import views

app_name = "brands"

# The public provenance pages (p/ and p/<serial>/) are in config/urls.py: a QR code holds a short address.
urlpatterns = [
    path("", views.brand_list, name="list"),
    path("new/", views.brand_create, name="create"),
    path("<int:pk>/", views.brand_detail, name="brand"),
    path("<int:pk>/rules/", views.rules_add, name="rules-add"),
    path("<int:pk>/logo/", views.brand_logo, name="logo"),
    path("<int:pk>/logo/change/", views.logo_set, name="logo-set"),
    path("<int:pk>/members/add/", views.authorise, name="authorise"),
    path("<int:pk>/members/<int:authorisation>/sanction/", views.sanction, name="sanction"),
    path("<int:pk>/lots/new/", views.lot_declare, name="lot-declare"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("lots/<int:pk>/inspect/", views.lot_inspect, name="lot-inspect"),
    path("lots/<int:pk>/labels/", views.labels_issue, name="labels-issue"),
    path("lots/<int:pk>/labels.pdf", views.labels_pdf, name="labels-pdf"),
    path("lots/<int:pk>/labels/document/", views.labels_document, name="labels-document"),
]
