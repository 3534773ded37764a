"""When `mardom synth` must not run: it writes millions of made-up rows set-based, so it only ever runs on a
database kept for measuring, never beside real books.

Refused:
- any database but PostgreSQL (COPY; SQLite is the demo's and the laptop's);
- a database that already holds a synth run (finished or not): one data set per database, so that a seed
  always names the same rows and hashes;
- a database that holds a real fund: any fund (the demo's too) that no synth run made;
- a database with a real login: any user who has ever signed in and was not made by synth.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from mardom.core.errors import DomainError
from mardom.funds.models import Fund
from mardom.people.models import User

from ..models import SynthRun


def synth_refusal() -> str | None:
    """Why synth must not run on this database, or None when it may."""
    if connection.vendor != "postgresql":
        return _("The synthetic data set is written with PostgreSQL's COPY: set DATABASE_URL to an empty "
                 "PostgreSQL database kept for measuring (SQLite is not supported).")
    if SynthRun.objects.exists():
        return _("This database already holds a synthetic data set; create a new database for another one.")
    if Fund.objects.exists():
        return _("This database holds loan funds that synth did not make (real or demo data); synth only runs "
                 "on a database kept for measuring.")
    if User.objects.filter(last_login__isnull=False).exists():
        return _("Someone has signed in to this database; synth only runs on a database no one uses.")
    return None


def synth_units_q() -> Q:
    """Org units made by a synth run (for the tests and the bench)."""
    q = Q(pk__in=[])
    for first, last in SynthRun.objects.values_list("first_unit_id", "last_unit_id"):
        q |= Q(pk__gte=first, pk__lte=last)
    return q


def require_synth_allowed() -> None:
    reason = synth_refusal()
    if reason:
        raise DomainError(reason)
