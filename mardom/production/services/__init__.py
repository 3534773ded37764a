"""Writes of the production app, one module per subject; re-exported here so callers say
`services.producer_register` whatever module it lives in."""

from .clusters import colony_create, county_cluster_create, province_cluster_create
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
    "PRODUCER_TRANSITIONS", "advantaged_add", "advantaged_remove", "colony_create", "county_cluster_create",
    "county_unit_of", "guides_in", "producer_decide", "producer_register", "province_cluster_create",
]
