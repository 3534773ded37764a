from django.urls import path

from .views import clusters, producers

app_name = "production"

urlpatterns = [
    path("producers/", producers.producer_list, name="producers"),
    path("producers/new/", producers.producer_create, name="producer-create"),
    path("producers/<int:pk>/", producers.producer_detail, name="producer"),
    path("producers/<int:pk>/decide/", producers.producer_decide, name="producer-decide"),
    path("advantaged/", producers.advantaged, name="advantaged"),
    path("advantaged/<int:region>/add/", producers.advantaged_add, name="advantaged-add"),
    path("advantaged/items/<int:pk>/remove/", producers.advantaged_remove, name="advantaged-remove"),
    path("suggestions/", clusters.suggestions, name="suggestions"),
    path("suggestions/accept/", clusters.suggestion_accept, name="suggestion-accept"),
    path("colonies/<int:pk>/", clusters.colony_detail, name="colony"),
    path("clusters/new/", clusters.cluster_form, name="cluster-form"),
    path("clusters/<int:pk>/", clusters.cluster_detail, name="cluster"),
    # Job leaders (views/jobs.py)
    # Value chains (views/chains.py)
]
