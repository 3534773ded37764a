from django.urls import path

from . import views

app_name = "production"

urlpatterns = [
    path("producers/", views.producer_list, name="producers"),
    path("producers/new/", views.producer_create, name="producer-create"),
    path("producers/<int:pk>/", views.producer_detail, name="producer"),
    path("producers/<int:pk>/decide/", views.producer_decide, name="producer-decide"),
    path("advantaged/", views.advantaged, name="advantaged"),
    path("advantaged/<int:region>/add/", views.advantaged_add, name="advantaged-add"),
    path("advantaged/items/<int:pk>/remove/", views.advantaged_remove, name="advantaged-remove"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/accept/", views.suggestion_accept, name="suggestion-accept"),
    path("colonies/<int:pk>/", views.colony_detail, name="colony"),
    path("clusters/new/", views.cluster_form, name="cluster-form"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster"),
]
