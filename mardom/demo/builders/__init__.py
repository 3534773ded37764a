"""The demo data set, one module per subject, put together in `Builder.build()`.

- `base`: the seed, the admin, the counties and places, making up people from the one random generator;
- `orgs`: bases, volunteer groups, institutions, referrals;
- `people`: the people of the two counties, the demo logins and their roles, a role proposal;
- `funds`: funds with history, loans in every state, draws;
- `production`: producers, advantaged products, colonies and clusters, job leaders and their seasons;
- `brands`: the collective brand, its lots and labels;
- `market`: the exhibitions (this year's and last year's) and the storefront;
- `calendar`: the desk's working calendar (this year's and next year's holidays, a province closure);
- `training`: five courses around Qaen with sessions, enrolments, attendance and certificates;
- `requests`: a year of the desk's requests around Qaen to the demo's institutions, in every state;
- `sweep`: the desk's reminders and escalations, replayed over the last month;
- `onboard`: a fund of the Imam Ali base onboarded from its own workbook (mardom/demo/data/onboard-fund.xlsx).

Every random choice comes from one generator seeded with `SEED`, so the same seed gives the same data only
while the steps run in the same order (mardom/demo/tests/test_demo.py checks a fingerprint of it). A new
subject (the desk's files, training) adds a module here with a `<Subject>Builder(BuilderBase)` class, joins
`Builder`'s bases, and adds its step at the end of `build()`, after the steps already there, so the data they
make stays as it is.
"""

from __future__ import annotations

from . import calendar, corrections, onboard, requests, rollups, sweep, training
from .base import ADMIN_USERNAME, DEMO_PASSWORD, SEED, BuilderBase
from .brands import BrandsBuilder
from .funds import FundsBuilder
from .market import MarketBuilder
from .orgs import OrgsBuilder
from .people import LATE_LOGINS, LOGINS, DemoLogin, PeopleBuilder
from .production import ProductionBuilder

__all__ = ["ADMIN_USERNAME", "DEMO_PASSWORD", "LATE_LOGINS", "LOGINS", "SEED", "Builder", "DemoLogin"]


class Builder(OrgsBuilder, PeopleBuilder, FundsBuilder, ProductionBuilder, BrandsBuilder, MarketBuilder, BuilderBase):
    def build(self) -> None:
        bases, groups, institutions = self.orgs()
        people = self.people(bases)
        funds = self.funds(bases, people)
        self.logins(funds=funds, bases=bases, groups=groups, institutions=institutions)
        self.referrals(bases, groups, institutions, people)
        self.loans(funds[0])
        self.draws(funds[0])
        self.producers(people)  # with colonies, clusters, job leaders and the brand
        self.exhibitions()  # after the advantaged products, which give priority for booths
        self.storefront()
        self.last_year_fair()  # late: the random draws of everything above stay as they were
        self.waiting_proposal(funds[0])  # the person it makes up draws no name earlier data depends on
        # New subjects' steps go here, after all of the above (see the module's docstring).
        calendar.build(self)  # the desk's working calendar: before anything counts a deadline on it
        training.build(self)  # courses, attendance and certificates
        requests.build(self)  # the desk's requests to institutions (after everything they draw on)
        sweep.build(self)  # the desk's sweep over the last month (after every request is made)
        onboard.build(self)  # a fund onboarded from its own workbook (mardom/demo/data/onboard-fund.xlsx)
        corrections.build(self)  # a reversed contribution and a closed meeting last month (after every money write)
        rollups.build(self)  # the dashboards' figures drained and the gauges set (after every write)
