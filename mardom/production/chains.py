"""Value chains drawn from live data: the stages of a chain (an editable template), the actors found at each
stage for a cluster, the missing links, and a concrete remedy for each.

A county cluster's actors are those of its county; a province cluster's, those of the whole province. Either
way the whole province is read, because remedies point at actors in its other counties ("“X” in Birjand
already does packaging"). An actor counts only in the value chains it serves: a job leader in those of its
stated products, its agreements' products and its cluster (a carpet workshop is no saffron supplier, and a
saffron packer no remedy for barberry); a collective brand in its owner cluster's chain, where it fills the
branding stage; banks, funds, agencies, training centres and volunteer groups state no product line and
serve any chain. Reads are a fixed handful of queries per province (one per kind of actor: job leaders and
the chains they serve, brands, institutions, volunteer groups, funds, colonies), whatever the number of
actors or clusters, and a `ProvinceData` is shared by every cluster of a province page.

Stage names are data (Persian, edited by national officers); every sentence made here goes through gettext.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mardom.orgs.models import Institution, OrgUnit, VolunteerGroup

from .models import (
    ChainStage,
    ChainTemplate,
    Cluster,
    Colony,
    ColonyMember,
    JobAgreement,
    JobLeader,
    Producer,
    Product,
)

ELSEWHERE = 3  # actors of other counties offered as remedies for one missing stage
SHOWN = 6  # actors drawn under a stage; the rest are counted ("and 4 more")
# Volunteer groups whose work can carry a value chain; a relief or health group is no actor of one.
GROUP_FIELDS = frozenset({VolunteerGroup.Field.TRAINING, VolunteerGroup.Field.EMPLOYMENT,
                          VolunteerGroup.Field.AGRICULTURE})


@dataclass(frozen=True)
class Actor:
    """Someone at a stage of a chain: a colony (with its approved producers), a job leader, an institution..."""

    name: str
    kind: str  # a translated label: "Job leader", "Training centre"
    url: str = ""
    county_id: int | None = None  # None: outside the province (a job leader attached from elsewhere)
    clusters: frozenset[int] = frozenset()  # clusters it belongs or is attached to
    count: int | None = None  # approved producers, for a colony
    # The value chains it serves (a job leader's products, a brand's chain); None: any chain (a bank, a fund).
    chains: frozenset[str] | None = None


@dataclass(frozen=True)
class Remedy:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Source:
    """Where the actors of a stage come from (ChainStage.sources holds the codes)."""

    code: str
    label: Promise | str
    # Which remedy sentences fit: producers, job_leaders, training, finance, agencies.
    family: str
    collect: Callable[[ProvinceData], list[Actor]]
    # Colonies belong to clusters, not to a place: a cluster's producers are its colonies' members only.
    by_cluster: bool = False
    # Offer the same kind of actor in other counties as a remedy (not loan funds: they lend to members only).
    elsewhere: bool = True
    # The work, for "register a job leader for %(what)s".
    what: Promise | str = ""


@dataclass(frozen=True)
class Area:
    """Where a cluster's actors are looked for: its county, or the whole province for a province cluster."""

    unit: OrgUnit
    cluster_id: int
    county_id: int | None  # None: the whole province
    value_chain: str | None = None  # None: actors of any chain

    def serves(self, actor: Actor) -> bool:
        """The actor works in this area's value chain: a carpet workshop is no actor of the saffron chain."""
        return actor.chains is None or self.value_chain is None or self.value_chain in actor.chains

    def holds(self, actor: Actor, source: Source) -> bool:
        if not self.serves(actor):
            return False
        if self.cluster_id in actor.clusters:
            return True
        if source.by_cluster:
            return False
        return actor.county_id is not None and (self.county_id is None or actor.county_id == self.county_id)


@dataclass(frozen=True)
class StageMap:
    pk: int | None
    name: str
    kind: str
    sources: tuple[str, ...]  # labels
    actors: tuple[Actor, ...]  # the first SHOWN
    more: int  # actors not shown
    producers: int | None  # approved producers, for a stage fed by the producers source
    missing: bool
    remedies: tuple[Remedy, ...]


@dataclass(frozen=True)
class ChainMap:
    cluster: Cluster
    area: OrgUnit
    province: OrgUnit
    value_chain: str
    own_template: bool  # False: the chain uses the default template
    core: tuple[StageMap, ...]
    support: tuple[StageMap, ...]

    @property
    def missing(self) -> list[StageMap]:
        return [stage for stage in (*self.core, *self.support) if stage.missing]


@dataclass(frozen=True)
class ClusterLinks:
    """One cluster's line on the province page."""

    cluster: Cluster
    area: OrgUnit
    stages: int
    missing: tuple[StageMap, ...]


def _url(name: str, *args: Any) -> str:
    """A link to the actor's page; should a page be renamed or removed, the chain loses a link, not the whole
    cluster page."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _ids(path: str | None) -> list[int]:
    return [int(part) for part in (path or "").strip("/").split("/") if part.isdigit()]


class ProvinceData:
    """The actors of one province, each kind read once on first use and shared by all its clusters."""

    def __init__(self, province: OrgUnit, counties: dict[int, OrgUnit]) -> None:
        self.province = province
        self.counties = counties
        self._actors: dict[str, list[Actor]] = {}

    @classmethod
    def of(cls, unit: OrgUnit) -> ProvinceData:
        """The data of the province `unit` lies in (nation > province > county: the second id of its path)."""
        ids = _ids(unit.path)
        province_id = ids[1] if len(ids) > 1 else unit.pk
        rows = list(OrgUnit.objects.filter(Q(pk=province_id) | Q(parent_id=province_id, kind=OrgUnit.Kind.COUNTY)))
        province = next((u for u in rows if u.pk == province_id), unit)
        return cls(province, {u.pk: u for u in rows if u.kind == OrgUnit.Kind.COUNTY and u.pk != province_id})

    def county_of(self, path: str | None) -> int | None:
        ids = _ids(path)
        return ids[2] if len(ids) > 2 and ids[2] in self.counties else None

    def county_name(self, county_id: int | None) -> str:
        county = self.counties.get(county_id or 0)
        return county.name if county else ""

    def _inside(self, path_field: str = "path") -> Q:
        return Q(**{f"{path_field}__startswith": self.province.path or "/-/"})

    def actors(self, code: str) -> list[Actor]:
        if code not in self._actors:
            source = SOURCES.get(code) or (COURSES if code == COURSES.code else None)
            self._actors[code] = source.collect(self) if source else []
        return self._actors[code]

    @cached_property
    def job_leaders(self) -> list[tuple[Any, ...]]:
        # Also those filed elsewhere but attached to a cluster of this province.
        return list(JobLeader.objects.filter(self._inside() | self._inside("attached_to__path"), is_active=True)
                    .order_by("name", "pk").values_list("pk", "name", "path", "functions", "attached_to_id",
                                                        "attached_to__province_cluster_id",
                                                        "attached_to__value_chain"))

    @cached_property
    def job_leader_chains(self) -> dict[int, frozenset[str]]:
        """The value chains each job leader serves: its stated products', its agreements' products' and its
        cluster's (two queries for the province)."""
        leaders = JobLeader.objects.filter(self._inside() | self._inside("attached_to__path"), is_active=True)
        chains: dict[int, set[str]] = {pk: set() for pk, *_rest in self.job_leaders}
        for pk, *_rest, cluster_chain in self.job_leaders:
            if cluster_chain:
                chains[pk].add(cluster_chain)
        stated = JobLeader.products.through.objects.filter(jobleader__in=leaders).values_list(
            "jobleader_id", "product__value_chain")
        agreed = JobAgreement.objects.filter(job_leader__in=leaders, is_active=True).values_list(
            "job_leader_id", "product__value_chain").distinct()
        for pk, chain in (*stated, *agreed):
            chains.setdefault(pk, set()).add(chain)
        return {pk: frozenset(found) for pk, found in chains.items()}

    @cached_property
    def brands(self) -> list[tuple[Any, ...]]:
        """Collective brands owned by a cluster or a colony of the province."""
        from mardom.brands.models import Brand

        return list(Brand.objects.filter(self._inside(), is_active=True).order_by("name", "pk").values_list(
            "pk", "name", "value_chain", "parent_id", "parent__cluster__province_cluster_id",
            "parent__colony__in_cluster_id", "parent__colony__in_cluster__province_cluster_id"))

    @cached_property
    def institutions(self) -> list[tuple[Any, ...]]:
        return list(Institution.objects.filter(self._inside(), is_active=True).order_by("name", "pk")
                    .values_list("pk", "name", "path", "type"))

    @cached_property
    def groups(self) -> list[tuple[Any, ...]]:
        return list(VolunteerGroup.objects.filter(self._inside(), is_active=True).order_by("name", "pk")
                    .values_list("pk", "name", "path", "fields_of_work"))

    @cached_property
    def funds(self) -> list[tuple[Any, ...]]:
        # Funds are units of the funds app; their OrgUnit rows are all this needs.
        return list(OrgUnit.objects.filter(self._inside(), kind=OrgUnit.Kind.FUND, is_active=True)
                    .order_by("name", "pk").values_list("pk", "name", "path"))

    @cached_property
    def courses(self) -> list[tuple[Any, ...]]:
        """Training courses of the province still running or ahead (training.selectors, one query)."""
        from django.utils import timezone

        from mardom.training.selectors import running_courses

        return running_courses(province_path=self.province.path or "", now=timezone.now())

    @cached_property
    def colonies(self) -> list[tuple[Any, ...]]:
        approved = Count("members", filter=Q(members__producer__status=Producer.Status.APPROVED))
        return list(Colony.objects.filter(self._inside("in_cluster__path"), is_active=True).annotate(n=approved)
                    .filter(n__gt=0).order_by("name", "pk")
                    .values_list("pk", "name", "path", "in_cluster_id", "in_cluster__province_cluster_id", "n"))

    @cached_property
    def producers(self) -> dict[int, int]:
        """Approved producers per county cluster, each counted once (one may be in a saffron colony and a
        saffron-bulb colony of the same cluster)."""
        rows = (ColonyMember.objects.filter(self._inside("colony__in_cluster__path"),
                                            producer__status=Producer.Status.APPROVED)
                .values("colony__in_cluster_id").annotate(n=Count("producer_id", distinct=True)).order_by())
        return {row["colony__in_cluster_id"]: row["n"] for row in rows}

    @cached_property
    def cluster_parents(self) -> dict[int, int]:
        """County cluster -> its province cluster, as seen through the colonies."""
        return {row[3]: row[4] for row in self.colonies if row[4]}

    def producers_in(self, cluster_id: int) -> int:
        """Approved producers of a cluster; a province cluster's are those of its county clusters (a producer
        works in one county, so the sum counts nobody twice)."""
        direct = self.producers.get(cluster_id, 0)
        return direct + sum(n for county_cluster, n in self.producers.items()
                            if self.cluster_parents.get(county_cluster) == cluster_id)


# --- Sources ----------------------------------------------------------------------------------------------

def _colonies(data: ProvinceData) -> list[Actor]:
    return [Actor(name=name, kind=_("Colony"), url=_url("production:colony", pk), county_id=data.county_of(path),
                  clusters=frozenset(c for c in (cluster, top) if c), count=n)
            for pk, name, path, cluster, top, n in data.colonies]


def _job_leaders(function: str) -> Callable[[ProvinceData], list[Actor]]:
    def collect(data: ProvinceData) -> list[Actor]:
        served = data.job_leader_chains
        return [Actor(name=name, kind=_("Job leader"), url=_url("production:job-leader", pk),
                      county_id=data.county_of(path), clusters=frozenset(c for c in (cluster, top) if c),
                      chains=served.get(pk, frozenset()))
                for pk, name, path, functions, cluster, top, _chain in data.job_leaders
                if isinstance(functions, list) and function in functions]
    return collect


def _institutions(type_: str) -> Callable[[ProvinceData], list[Actor]]:
    def collect(data: ProvinceData) -> list[Actor]:
        label = str(Institution.Type(type_).label)
        return [Actor(name=name, kind=label, url=_url("orgs:detail", "institutions", pk),
                      county_id=data.county_of(path))
                for pk, name, path, kind in data.institutions if kind == type_]
    return collect


def _groups(data: ProvinceData) -> list[Actor]:
    return [Actor(name=name, kind=_("Volunteer group"), url=_url("orgs:detail", "groups", pk),
                  county_id=data.county_of(path))
            for pk, name, path, fields in data.groups if isinstance(fields, list) and GROUP_FIELDS & set(fields)]


def _brands(data: ProvinceData) -> list[Actor]:
    """A brand counts for the cluster that owns it (or owns the colony that does) and that cluster's province
    cluster, in its own value chain."""
    return [Actor(name=name, kind=_("Collective brand"), url=_url("brands:brand", pk),
                  clusters=frozenset(c for c in (parent, top, colony_cluster, colony_top) if c),
                  chains=frozenset({chain}))
            for pk, name, chain, parent, top, colony_cluster, colony_top in data.brands]


def _courses(data: ProvinceData) -> list[Actor]:
    """A course serving a value chain fills that chain's training stage in its county while it runs."""
    from django.utils import timezone

    from mardom.core.jalali import format_jalali

    now = timezone.now()
    actors = []
    for pk, title, path, chain, first in data.courses:
        if first is not None and first > now:
            kind = _("Training course from %(date)s") % {"date": format_jalali(first)}
        else:
            kind = _("Training course under way")
        actors.append(Actor(name=_("Training course “%(title)s”") % {"title": title}, kind=kind,
                            url=_url("training:course", pk), county_id=data.county_of(path),
                            chains=frozenset({chain})))
    return actors


def _funds(data: ProvinceData) -> list[Actor]:
    return [Actor(name=name, kind=_("Loan fund"), url=_url("funds:detail", pk), county_id=data.county_of(path))
            for pk, name, path in data.funds]


_F = JobLeader.Function
SOURCES: dict[str, Source] = {source.code: source for source in [
    Source("producers", gettext_lazy("Approved producers in the cluster's colonies"), "producers", _colonies,
           by_cluster=True, elsewhere=False),
    Source("job_leaders.supply", gettext_lazy("Job leaders who supply inputs"), "job_leaders",
           _job_leaders(_F.SUPPLY), what=_F.SUPPLY.label),
    Source("job_leaders.processing", gettext_lazy("Job leaders who process"), "job_leaders",
           _job_leaders(_F.PROCESSING), what=_F.PROCESSING.label),
    Source("job_leaders.packaging", gettext_lazy("Job leaders who package"), "job_leaders",
           _job_leaders(_F.PACKAGING), what=_F.PACKAGING.label),
    Source("job_leaders.branding", gettext_lazy("Job leaders who brand"), "job_leaders",
           _job_leaders(_F.BRANDING), what=_F.BRANDING.label),
    Source("brands", gettext_lazy("The cluster's own collective brands"), "brands", _brands, by_cluster=True,
           elsewhere=False),
    Source("job_leaders.sales", gettext_lazy("Job leaders who sell and distribute"), "job_leaders",
           _job_leaders(_F.SALES), what=_F.SALES.label),
    Source("job_leaders.training", gettext_lazy("Job leaders who train"), "training",
           _job_leaders(_F.TRAINING), what=_F.TRAINING.label),
    Source("training_centres", gettext_lazy("Training centres"), "training",
           _institutions(Institution.Type.TRAINING_CENTRE)),
    Source("volunteer_groups", gettext_lazy("Volunteer groups (training, employment, agriculture)"), "training",
           _groups),
    Source("funds", gettext_lazy("Community loan funds"), "finance", _funds, elsewhere=False),
    Source("banks", gettext_lazy("Bank branches"), "finance", _institutions(Institution.Type.BANK_BRANCH)),
    Source("agencies", gettext_lazy("Executive agencies"), "agencies", _institutions(Institution.Type.AGENCY)),
]}


# Not a source a stage names: added to every stage of the training family (see _stage).
COURSES = Source("training_courses", gettext_lazy("Training courses running in the area"), "training", _courses,
                 elsewhere=False)


def source_choices() -> list[tuple[str, str]]:
    return [(code, str(source.label)) for code, source in SOURCES.items()]


# --- Templates --------------------------------------------------------------------------------------------

def templates_for(value_chains: Iterable[str]) -> dict[str, ChainTemplate]:
    """Each chain's own template, or the default; stages prefetched in drawing order (two queries)."""
    wanted = {*value_chains, ChainTemplate.DEFAULT}
    ordered = ChainStage.objects.order_by("kind", "position", "pk")
    found = {t.value_chain: t for t in ChainTemplate.objects.filter(value_chain__in=wanted)
             .prefetch_related(Prefetch("stages", queryset=ordered))}
    default = found.get(ChainTemplate.DEFAULT) or ChainTemplate(value_chain=ChainTemplate.DEFAULT)
    return {chain: found.get(chain, default) for chain in wanted}


def template_for(value_chain: str) -> ChainTemplate:
    """The chain's own template, or the default one."""
    return templates_for([value_chain])[value_chain]


def stages_of(template: ChainTemplate) -> list[ChainStage]:
    """Core stages in order, then support stages."""
    if template.pk is None:
        return []
    return sorted(template.stages.all(), key=lambda s: (s.kind != ChainStage.Kind.CORE, s.position, s.pk))


# --- Maps -------------------------------------------------------------------------------------------------

def _area(cluster: Cluster, data: ProvinceData) -> Area:
    if cluster.level == Cluster.Level.COUNTY and cluster.parent_id in data.counties:
        return Area(unit=data.counties[cluster.parent_id], cluster_id=cluster.pk, county_id=cluster.parent_id,
                    value_chain=cluster.value_chain)
    return Area(unit=data.province, cluster_id=cluster.pk, county_id=None, value_chain=cluster.value_chain)


def _generic(family: str, sources: list[Source], area: Area) -> Remedy:
    where = area.unit.name
    if family == "producers":
        county = f"?county={area.county_id}" if area.county_id else ""
        return Remedy(_("Approve the waiting producers of %(area)s and form colonies of this chain from the "
                        "suggestions.") % {"area": where}, _url("production:suggestions") + county)
    if family == "job_leaders":
        what = "، ".join(str(s.what) for s in sources) if len(sources) > 1 else str(sources[0].what)
        return Remedy(_("Register a job leader for %(what)s in %(area)s, or invite one to attach to this "
                        "cluster.") % {"what": what.lower(), "area": where}, _url("production:job-leader-create"))
    if family == "training":
        return Remedy(_("Ask a training centre or a volunteer group to run a course for this cluster's "
                        "producers in %(area)s.") % {"area": where}, _url("training:create"))
    if family == "brands":
        return Remedy(_("Found a collective brand for this cluster, with its rules of use, so its producers can "
                        "sell under one name."), _url("brands:create"))
    if family == "finance":
        return Remedy(_("Found a community loan fund at a base in %(area)s, so the cluster's producers can "
                        "borrow.") % {"area": where})
    return Remedy(_("Refer the cluster's needs to the executive agencies of the province through the "
                    "facilitation desk."))


def _remedies(sources: list[Source], area: Area, data: ProvinceData) -> list[Remedy]:
    remedies: list[Remedy] = []
    # Actors of the same kind in the province's other counties, nearest first is not known (places have no
    # coordinates), so in name order of their county.
    seen: set[tuple[str, int | None]] = set()
    offers: list[tuple[str, Actor, Source]] = []
    for source in sources:
        if not source.elsewhere:
            continue
        for actor in data.actors(source.code):
            key = (actor.name, actor.county_id)
            if not area.serves(actor) or area.holds(actor, source) or actor.county_id is None or key in seen:
                continue
            seen.add(key)
            offers.append((data.county_name(actor.county_id), actor, source))
    for county, actor, source in sorted(offers, key=lambda o: (o[0], o[1].name))[:ELSEWHERE]:
        if source.family == "job_leaders":
            text = _("“%(name)s” in %(county)s already works in %(what)s: invite them to work with this "
                     "cluster.") % {"name": actor.name, "county": county, "what": str(source.what).lower()}
        else:
            text = _("“%(name)s” (%(kind)s) in %(county)s could serve this cluster too.") % {
                "name": actor.name, "kind": actor.kind, "county": county}
        remedies.append(Remedy(text, actor.url))
    families: dict[str, list[Source]] = {}
    for source in sources:
        families.setdefault(source.family, []).append(source)
    remedies.extend(_generic(family, members, area) for family, members in families.items())
    if "job_leaders" in families:
        # A missing business is also something a producer of the cluster could start with a loan.
        lenders = [a for code in ("funds", "banks") for a in data.actors(code) if area.holds(a, SOURCES[code])]
        if lenders:
            remedies.append(Remedy(_("A loan from “%(name)s” could help a producer of this cluster start this "
                                     "work.") % {"name": lenders[0].name}, lenders[0].url))
    if not remedies:
        remedies.append(Remedy(_("No actor of this stage is recorded in %(area)s yet: record one, or change "
                                 "where the stage's actors come from.") % {"area": area.unit.name}))
    return remedies


def _stage(stage: ChainStage, area: Area, data: ProvinceData) -> StageMap:
    codes = stage.sources if isinstance(stage.sources, list) else []
    sources = [SOURCES[code] for code in codes if code in SOURCES]
    if any(s.family == "training" for s in sources):
        sources.append(COURSES)  # a running course of the chain fills a training stage, whatever its sources
    actors: list[Actor] = []
    seen: set[Actor] = set()
    for source in sources:
        for actor in data.actors(source.code):
            if actor not in seen and area.holds(actor, source):
                seen.add(actor)
                actors.append(actor)
    producers = data.producers_in(area.cluster_id) if any(s.code == "producers" for s in sources) else None
    missing = not actors
    return StageMap(
        pk=stage.pk, name=stage.name, kind=stage.kind, sources=tuple(str(s.label) for s in sources),
        actors=tuple(actors[:SHOWN]), more=max(0, len(actors) - SHOWN), producers=producers, missing=missing,
        remedies=tuple(_remedies(sources, area, data)) if missing else (),
    )


def chain_map(*, cluster: Cluster, data: ProvinceData | None = None,
              template: ChainTemplate | None = None) -> ChainMap:
    """The cluster's chain: its template's stages in order, each with the actors in the cluster's area, and
    for a stage without any, a flag and remedies. `data` and `template` let a province page share reads."""
    data = data or ProvinceData.of(cluster)
    template = template or template_for(cluster.value_chain)
    area = _area(cluster, data)
    stages = [_stage(stage, area, data) for stage in stages_of(template)]
    return ChainMap(
        cluster=cluster, area=area.unit, province=data.province, value_chain=cluster.value_chain,
        own_template=template.value_chain == cluster.value_chain,
        core=tuple(s for s in stages if s.kind == ChainStage.Kind.CORE),
        support=tuple(s for s in stages if s.kind != ChainStage.Kind.CORE),
    )


def actors_in(*, code: str, area: OrgUnit, value_chain: str | None = None) -> list[Actor]:
    """The actors of one source in a county or a province (not for "producers" or "brands": those belong to
    clusters), of one value chain if given."""
    data = ProvinceData.of(area)
    source = SOURCES.get(code)
    if source is None or source.by_cluster:
        return []
    county_id = area.pk if area.kind == OrgUnit.Kind.COUNTY else None
    where = Area(unit=area, cluster_id=0, county_id=county_id, value_chain=value_chain)
    return [actor for actor in data.actors(code) if where.holds(actor, source)]


def province_missing_links(*, province: OrgUnit, clusters: Iterable[Cluster] | None = None) -> list[ClusterLinks]:
    """Every cluster of the province (or the given ones of it: a county officer's), with its missing stages;
    province clusters first, then county clusters by county."""
    if clusters is None:
        clusters = Cluster.objects.filter(path__startswith=province.path or "/-/")
    rows = [c for c in clusters if c.is_within(province)]
    data = ProvinceData.of(province)
    templates = templates_for({c.value_chain for c in rows})
    maps = [chain_map(cluster=c, data=data, template=templates[c.value_chain]) for c in rows]
    maps.sort(key=lambda m: (m.cluster.level != Cluster.Level.PROVINCE, m.area.name, m.cluster.name))
    return [ClusterLinks(cluster=m.cluster, area=m.area, stages=len(m.core) + len(m.support),
                         missing=tuple(m.missing)) for m in maps]


def value_chains() -> dict[str, str]:
    """Every value chain of the taxonomy, with its products' names as its label (one query)."""
    chains: dict[str, list[str]] = {}
    for chain, name in Product.objects.order_by("value_chain", "pk").values_list("value_chain", "name"):
        chains.setdefault(chain, []).append(name)
    return {chain: "، ".join(names) for chain, names in chains.items()}
