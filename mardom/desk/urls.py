from django.urls import path

from .views import inbox, requests

app_name = "desk"

urlpatterns: list = [
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_new, name="request-new"),
    path("requests/mine/", requests.my_requests, name="mine"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/answer/", requests.request_answer, name="request-answer"),
    path("requests/<int:pk>/documents/", requests.document_add, name="document-add"),
    path("requests/<int:pk>/documents/<int:doc>/", requests.document_download, name="document"),
    path("requests/<int:pk>/<slug:action>/", requests.request_act, name="request-act"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("service-levels/", requests.service_levels, name="service-levels"),
]
