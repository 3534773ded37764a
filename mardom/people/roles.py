"""Roles, what each may do, and on which kind of unit each may be granted.

Permissions are plain strings checked against the unit a role is granted on: a role reaches that unit and
everything beneath it. Keeping the table in code (not in the database) makes it reviewable and testable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mardom.orgs.models import OrgUnit

K = OrgUnit.Kind


class Role(models.TextChoices):
    NATIONAL_OFFICER = "national_officer", _("National officer")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    COUNTY_OFFICER = "county_officer", _("County officer")
    BASE_OFFICER = "base_officer", _("Base officer")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    FUND_TREASURER = "fund_treasurer", _("Fund treasurer")
    AUDITOR = "auditor", _("Auditor")
    CLUSTER_GUIDE = "cluster_guide", _("Cluster guide")
    JOB_LEADER = "job_leader", _("Job leader")
    PRODUCER = "producer", _("Producer")
    MEMBER = "member", _("Fund member")
    INSTITUTION_OFFICER = "institution_officer", _("Institution officer")
    GROUP_LEADER = "group_leader", _("Volunteer group leader")
    EXHIBITION_ORGANISER = "exhibition_organiser", _("Exhibition organiser")
    BRAND_INSPECTOR = "brand_inspector", _("Brand inspector")
    TRAINER = "trainer", _("Trainer")


class Perm:
    PEOPLE_VIEW = "people.view"
    PEOPLE_MANAGE = "people.manage"
    ROLES_GRANT = "roles.grant"
    ORGS_VIEW = "orgs.view"
    ORGS_MANAGE = "orgs.manage"
    REFERRALS_MANAGE = "referrals.manage"
    AUDIT_VIEW = "audit.view"
    FUNDS_VIEW = "funds.view"          # a fund's totals, members and books
    FUNDS_MANAGE = "funds.manage"      # create funds, change their rules
    FUNDS_TREASURY = "funds.treasury"  # record money: members joining, contributions, withdrawals
    # Decide on the fund's money: approve loans, pay them out, forgive, write off, run draws. Held only by the
    # fund's own manager, never by the officers above it (they oversee: create funds and read everything).
    FUNDS_DECIDE = "funds.decide"
    PRODUCERS_VIEW = "producers.view"
    PRODUCERS_MANAGE = "producers.manage"  # register producers directly, approve them, set advantaged products
    BRANDS_MANAGE = "brands.manage"  # brands, their rules, authorised members, sanctions, labels
    BRANDS_INSPECT = "brands.inspect"  # pass or fail a lot against the brand's specification
    MARKET_ORGANISE = "market.organise"  # exhibitions: floor plans, booths, allocation of applications
    JOBS_RECORD = "jobs.record"  # a job leader's own books with their producers: issues, buybacks, payments
    # The working calendar (desk deadlines): held on the nation it edits national holidays, on a province that
    # province's closures and Thursday; below a province it only lets an officer read the province's calendar.
    CALENDAR_MANAGE = "calendar.manage"
    TRAINING_MANAGE = "training.manage"  # publish courses of a training centre, a volunteer group or a county
    TRAINING_TEACH = "training.teach"  # run a course's sessions: mark attendance, show the session's QR code
    # The facilitation desk: make and follow requests to institutions for the people of one's units.
    DESK_REQUEST = "desk.request"
    # Receive, review and answer the requests sent to one's own institution (or group): never the officers above.
    DESK_ANSWER = "desk.answer"


_OFFICER = frozenset(
    {Perm.PEOPLE_VIEW, Perm.PEOPLE_MANAGE, Perm.ROLES_GRANT, Perm.ORGS_VIEW, Perm.ORGS_MANAGE,
     Perm.REFERRALS_MANAGE, Perm.AUDIT_VIEW, Perm.FUNDS_VIEW, Perm.FUNDS_MANAGE, Perm.PRODUCERS_VIEW,
     Perm.PRODUCERS_MANAGE, Perm.BRANDS_MANAGE, Perm.MARKET_ORGANISE, Perm.CALENDAR_MANAGE, Perm.TRAINING_MANAGE,
     Perm.TRAINING_TEACH, Perm.DESK_REQUEST}
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.NATIONAL_OFFICER: _OFFICER,
    Role.PROVINCE_OFFICER: _OFFICER,
    Role.COUNTY_OFFICER: _OFFICER,
    Role.BASE_OFFICER: _OFFICER,
    # ... and answers the referrals sent to the fund (desk requests of kind "referral").
    Role.FUND_MANAGER: frozenset({Perm.ORGS_VIEW, Perm.REFERRALS_MANAGE, Perm.FUNDS_VIEW, Perm.FUNDS_MANAGE,
                                  Perm.FUNDS_TREASURY, Perm.FUNDS_DECIDE, Perm.AUDIT_VIEW, Perm.DESK_REQUEST,
                                  Perm.DESK_ANSWER}),
    Role.FUND_TREASURER: frozenset({Perm.ORGS_VIEW, Perm.FUNDS_VIEW, Perm.FUNDS_TREASURY}),
    # Auditors read everything in their scope and change nothing.
    Role.AUDITOR: frozenset({Perm.PEOPLE_VIEW, Perm.ORGS_VIEW, Perm.AUDIT_VIEW, Perm.FUNDS_VIEW,
                             Perm.PRODUCERS_VIEW}),
    # A guide sees their cluster, its colonies and their producers (production.selectors follow the cluster).
    # ... and runs the brands their cluster owns (a brand is a unit under its owner; a colony-owned brand sits
    # under the colony, which is filed under the county, so its county's officers run it).
    Role.CLUSTER_GUIDE: frozenset({Perm.ORGS_VIEW, Perm.REFERRALS_MANAGE, Perm.PRODUCERS_VIEW, Perm.BRANDS_MANAGE}),
    # A job leader sees only the producers they work with (production.selectors follow the agreements).
    Role.JOB_LEADER: frozenset({Perm.ORGS_VIEW, Perm.JOBS_RECORD}),
    Role.PRODUCER: frozenset(),
    Role.MEMBER: frozenset(),
    # ... and a training centre's officer or a group's leader publishes its courses (training.services checks
    # the unit is a training centre, a volunteer group or a county: a bank branch publishes none).
    Role.INSTITUTION_OFFICER: frozenset({Perm.ORGS_VIEW, Perm.REFERRALS_MANAGE, Perm.TRAINING_MANAGE,
                                         Perm.DESK_ANSWER}),
    Role.GROUP_LEADER: frozenset({Perm.ORGS_VIEW, Perm.REFERRALS_MANAGE, Perm.TRAINING_MANAGE, Perm.DESK_REQUEST,
                                  Perm.DESK_ANSWER}),
    Role.EXHIBITION_ORGANISER: frozenset({Perm.ORGS_VIEW, Perm.MARKET_ORGANISE}),
    # Inspects lots of one brand; kept apart from managing it, so nobody passes their own labels.
    Role.BRAND_INSPECTOR: frozenset({Perm.BRANDS_INSPECT}),
    # Runs the sessions of the courses of the centre or group it is granted on; publishes none.
    Role.TRAINER: frozenset({Perm.TRAINING_TEACH}),
}

# A role only makes sense on one kind of unit: a county officer on a county, a treasurer on a fund.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.NATIONAL_OFFICER: frozenset({K.NATION}),
    Role.PROVINCE_OFFICER: frozenset({K.PROVINCE}),
    Role.COUNTY_OFFICER: frozenset({K.COUNTY}),
    Role.BASE_OFFICER: frozenset({K.BASE}),
    Role.FUND_MANAGER: frozenset({K.FUND}),
    Role.FUND_TREASURER: frozenset({K.FUND}),
    Role.AUDITOR: frozenset({K.NATION, K.PROVINCE, K.COUNTY, K.BASE, K.FUND}),
    Role.CLUSTER_GUIDE: frozenset({K.CLUSTER}),
    Role.JOB_LEADER: frozenset({K.JOB_LEADER}),
    Role.PRODUCER: frozenset({K.CLUSTER, K.COUNTY}),
    Role.MEMBER: frozenset({K.FUND}),
    Role.INSTITUTION_OFFICER: frozenset({K.INSTITUTION}),
    Role.GROUP_LEADER: frozenset({K.GROUP}),
    Role.EXHIBITION_ORGANISER: frozenset({K.EXHIBITION}),
    Role.BRAND_INSPECTOR: frozenset({K.BRAND}),
    Role.TRAINER: frozenset({K.INSTITUTION, K.GROUP}),
}

# Permissions that move money or certify goods. A role carrying one that its granter does not hold on the unit
# is only proposed by the granter and takes effect when a second officer confirms it (people.services).
SENSITIVE_PERMS: frozenset[str] = frozenset({Perm.FUNDS_TREASURY, Perm.FUNDS_DECIDE, Perm.BRANDS_INSPECT,
                                             Perm.JOBS_RECORD})

assert set(ROLE_PERMISSIONS) == set(ROLE_UNIT_KINDS) == set(Role.values)


def roles_with(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
