from django.urls import path

from .views import chains, clusters, jobs, producers

app_name = "production"

urlpatterns = [
    path("producers/", producers.producer_list, name="producers"),
    path("producers/export.csv", producers.producer_export, name="producers-export"),
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
    path("suggestions/reject/", clusters.suggestion_reject, name="suggestion-reject"),
    path("suggestions/rejections/<int:pk>/offer-again/", clusters.suggestion_reoffer, name="suggestion-reoffer"),
    path("colonies/<int:pk>/rename/", clusters.colony_rename, name="colony-rename"),
    path("colonies/<int:pk>/coordinator/", clusters.colony_coordinator, name="colony-coordinator"),
    path("colonies/<int:pk>/members/add/", clusters.colony_member_add, name="colony-member-add"),
    path("colonies/<int:pk>/members/<int:producer>/remove/", clusters.colony_member_remove,
         name="colony-member-remove"),
    path("clusters/<int:pk>/edit/", clusters.cluster_edit, name="cluster-edit"),
    path("clusters/<int:pk>/colonies/<int:colony>/remove/", clusters.cluster_colony_remove,
         name="cluster-colony-remove"),
    path("clusters/<int:pk>/county-clusters/<int:county_cluster>/remove/", clusters.cluster_county_remove,
         name="cluster-county-remove"),
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
    path("chains/", chains.chain_templates, name="chain-templates"),
    path("chains/new/", chains.chain_template_create, name="chain-template-create"),
    path("chains/missing-links/", chains.chain_missing, name="chain-missing"),
    path("chains/<slug:value_chain>/", chains.chain_template, name="chain-template"),
    path("chains/<slug:value_chain>/stages/new/", chains.chain_stage_add, name="chain-stage-add"),
    path("chains/<slug:value_chain>/stages/<int:pk>/", chains.chain_stage_edit, name="chain-stage-edit"),
    path("chains/<slug:value_chain>/stages/<int:pk>/delete/", chains.chain_stage_delete, name="chain-stage-delete"),
    path("chains/<slug:value_chain>/stages/<int:pk>/move/", chains.chain_stage_move, name="chain-stage-move"),
]
