"""Writes of the production app, one module per subject; re-exported here so callers say
`services.producer_register` whatever module it lives in."""

from .chains import (
    chain_stage_add,
    chain_stage_delete,
    chain_stage_move,
    chain_stage_update,
    chain_stages_reorder,
    chain_template_create,
)
from .clusters import (
    cluster_remove_colony,
    cluster_update,
    colony_add_member,
    colony_create,
    colony_default_name,
    colony_remove_member,
    colony_rename,
    colony_set_coordinator,
    county_cluster_create,
    guides_cluster,
    province_cluster_create,
    province_cluster_remove,
    suggestion_accept,
    suggestion_reject,
    suggestion_reoffer,
)
from .producers import (
    PRODUCER_TRANSITIONS,
    advantaged_add,
    advantaged_remove,
    county_unit_of,
    guides_in,
    producer_decide,
    producer_register,
)

__all__ = [
    "PRODUCER_TRANSITIONS", "advantaged_add", "advantaged_remove", "chain_stage_add", "chain_stage_delete",
    "chain_stage_move", "chain_stage_update", "chain_stages_reorder", "chain_template_create",
    "cluster_remove_colony", "cluster_update", "colony_add_member", "colony_create", "colony_default_name",
    "colony_remove_member", "colony_rename", "colony_set_coordinator", "county_cluster_create", "county_unit_of",
    "guides_cluster", "guides_in", "producer_decide", "producer_register", "province_cluster_create",
    "province_cluster_remove", "suggestion_accept", "suggestion_reject", "suggestion_reoffer"
]
