from django.urls import path

from .views import clusters, jobs, producers

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
    path("job-leaders/", jobs.job_leader_list, name="job-leaders"),
    path("job-leaders/new/", jobs.job_leader_create, name="job-leader-create"),
    path("job-leaders/<int:pk>/", jobs.job_leader_detail, name="job-leader"),
    path("job-leaders/<int:pk>/agreements/new/", jobs.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", jobs.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/issue/", jobs.agreement_issue, name="agreement-issue"),
    path("agreements/<int:pk>/receive/", jobs.agreement_receive, name="agreement-receive"),
    path("agreements/<int:pk>/pay/", jobs.agreement_pay, name="agreement-pay"),
    path("agreements/<int:pk>/lines/<int:entry>/correct/", jobs.entry_reverse, name="agreement-line-reverse"),
    # Value chains (views/chains.py)
]
