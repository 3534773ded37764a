"""Value chains: the chain drawn for a cluster from live data, its missing links and their remedies, the
editable templates of stages, the province page, and who may see or change what."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mardom.conftest import confirm_proposals
from mardom.core.digits import to_persian_digits
from mardom.core.errors import DomainError
from mardom.core.models import AuditEntry
from mardom.core.text import search_key
from mardom.orgs import services as orgs
from mardom.orgs.models import OrgUnit
from mardom.orgs.services import unit_set_path
from mardom.production import chains, services
from mardom.production.models import ChainStage, ChainTemplate, Product
from mardom.production.services import jobs

STARTED = datetime.date(2020, 3, 20)
PACKAGING = "بسته‌بندی"
BRANDING = "برندسازی"
TRAINING = "آموزش"
FINANCE = "تأمین مالی"


@pytest.fixture
def saffron(db):
    return Product.objects.get(code="saffron")


def _colony(by, county, place, product, make_person, n=3):
    producers = [services.producer_register(by=by, person=make_person(county), place=place, activities="کاشت",
                                            started_on=STARTED, baseline_sales=10_000_000,
                                            products=[(product, 100)]) for _ in range(n)]
    return services.colony_create(by=by, county=county, product=product, place=place, producers=producers)


def _cluster(by, county, place, product, make_person):
    colonies = [_colony(by, county, place, product, make_person) for _ in range(2)]
    return services.county_cluster_create(by=by, county=county, focus_product=product, colonies=colonies)


@pytest.fixture
def world(make_person, qaenat, birjand, qaenat_village, birjand_village, saffron, county_officer, birjand_officer,
          province_officer, south_khorasan):
    """Saffron clusters in Qaenat and Birjand (three approved producers in each of two colonies), grouped in
    a province cluster; no job leader, institution, group or fund anywhere yet."""
    here = _cluster(county_officer, qaenat, qaenat_village, saffron, make_person)
    there = _cluster(birjand_officer, birjand, birjand_village, saffron, make_person)
    top = services.province_cluster_create(by=province_officer, province=south_khorasan, focus_product=saffron,
                                           county_clusters=[here, there])
    return SimpleNamespace(here=here, there=there, top=top)


def leader(by, county, name, functions, make_person, cluster=None, products=("saffron",)):
    """A job leader stating the products it works with (saffron unless told): it counts in their chains only."""
    return jobs.job_leader_register(by=by, county=county, owner=make_person(county), name=name,
                                    functions=functions, cluster=cluster,
                                    products=list(Product.objects.filter(code__in=products)))


def fund(county, name):
    """A fund's unit, as the chain map reads it (the funds app's own rules are tested there)."""
    from mardom.funds.models import Fund
    from mardom.orgs.models import Base

    base = Base.objects.create(kind="base", name=f"پایگاه {name}", search_key=search_key(name), parent=county)
    unit_set_path(base)
    made = Fund.objects.create(kind="fund", name=name, search_key=search_key(name), parent=base,
                               founded_on=STARTED)
    unit_set_path(made)
    return made


def stage(chain_map, name):
    return next(s for s in (*chain_map.core, *chain_map.support) if s.name == name)


def remedies(s) -> str:
    return "\n".join(r.text for r in s.remedies)


# --- The chain of a cluster -------------------------------------------------------------------------------

def test_a_missing_packaging_link_appears_names_a_remedy_elsewhere_and_disappears(
        world, qaenat, birjand, make_person, county_officer, birjand_officer):
    chain = chains.chain_map(cluster=world.here)
    assert [s.name for s in chain.core][:2] == ["تأمین نهاده", "تولید"] and chain.area == qaenat
    production = stage(chain, "تولید")
    assert not production.missing and production.producers == 6 and len(production.actors) == 2
    packaging = stage(chain, PACKAGING)
    assert packaging.missing and packaging.remedies  # always at least one concrete sentence
    assert {s.name for s in chain.missing} >= {PACKAGING, BRANDING, TRAINING, FINANCE}

    leader(birjand_officer, birjand, "بسته‌بندی زرین بیرجند", ["packaging", "sales"], make_person)
    chain = chains.chain_map(cluster=world.here)
    packaging = stage(chain, PACKAGING)
    assert packaging.missing  # Birjand's packer is not Qaenat's...
    assert "بسته‌بندی زرین بیرجند" in remedies(packaging) and birjand.name in remedies(packaging)  # ...but a remedy
    assert not stage(chains.chain_map(cluster=world.there), PACKAGING).missing

    packer = leader(county_officer, qaenat, "بسته‌بندی قاین", ["packaging"], make_person)
    packaging = stage(chains.chain_map(cluster=world.here), PACKAGING)
    assert not packaging.missing and [a.name for a in packaging.actors] == ["بسته‌بندی قاین"]
    assert packaging.actors[0].url == reverse("production:job-leader", args=[packer.pk])


def test_a_job_leader_attached_to_the_cluster_counts_wherever_it_is_filed(world, birjand, make_person,
                                                                           province_officer):
    leader(province_officer, birjand, "نمانام زعفران استان", ["branding"], make_person, cluster=world.top)
    assert not stage(chains.chain_map(cluster=world.top), BRANDING).missing
    assert stage(chains.chain_map(cluster=world.here), BRANDING).missing  # attached to the province's cluster


def test_training_finance_and_a_loan_as_remedies(world, qaenat, birjand, county_officer, birjand_officer):
    orgs.institution_create(by=birjand_officer, county=birjand, name="آموزشگاه فنی بیرجند", place=None,
                            type="training_centre")
    orgs.group_create(by=county_officer, county=qaenat, name="گروه امداد", place=None, fields_of_work=["relief"])
    chain = chains.chain_map(cluster=world.here)
    training = stage(chain, TRAINING)
    assert training.missing and "آموزشگاه فنی بیرجند" in remedies(training)  # a relief group trains nobody
    finance = stage(chain, FINANCE)
    assert finance.missing and qaenat.name in remedies(finance)  # "found a loan fund in Qaenat"
    assert len(stage(chain, PACKAGING).remedies) == 1  # only "register a job leader": no lender in Qaenat yet

    fund(qaenat, "صندوق امام رضا")
    chain = chains.chain_map(cluster=world.here)
    assert not stage(chain, FINANCE).missing
    assert "صندوق امام رضا" in remedies(stage(chain, PACKAGING))  # a loan to start packaging
    assert [a.name for a in chains.actors_in(code="funds", area=qaenat)] == ["صندوق امام رضا"]
    assert chains.actors_in(code="funds", area=birjand) == []


def test_a_province_cluster_looks_across_the_province(world, birjand, make_person, birjand_officer):
    leader(birjand_officer, birjand, "بسته‌بندی بیرجند", ["packaging"], make_person)
    chain = chains.chain_map(cluster=world.top)
    assert chain.area == chain.province and stage(chain, "تولید").producers == 12
    assert not stage(chain, PACKAGING).missing and stage(chain, BRANDING).missing
    assert stage(chain, BRANDING).remedies


def test_province_missing_links(world, south_khorasan, birjand, make_person, birjand_officer):
    leader(birjand_officer, birjand, "بسته‌بندی بیرجند", ["packaging"], make_person)
    rows = chains.province_missing_links(province=south_khorasan)
    assert rows[0].cluster.pk == world.top.pk  # the province cluster first
    assert {r.cluster.pk for r in rows} == {world.top.pk, world.here.pk, world.there.pk}
    by_cluster = {r.cluster.pk: {s.name for s in r.missing} for r in rows}
    assert PACKAGING in by_cluster[world.here.pk]
    assert PACKAGING not in by_cluster[world.there.pk] and PACKAGING not in by_cluster[world.top.pk]
    assert all(s.remedies for r in rows for s in r.missing)


# --- Templates --------------------------------------------------------------------------------------------

def _state():
    return (list(ChainTemplate.objects.order_by("pk").values_list("value_chain", flat=True)),
            list(ChainStage.objects.order_by("pk").values_list("template_id", "position", "kind", "name", "sources")),
            AuditEntry.objects.filter(action__startswith="chain.").count())


def test_a_chain_gets_its_own_template_as_a_copy_and_the_map_follows_it(world, national_officer):
    template = services.chain_template_create(by=national_officer, value_chain="saffron")
    default = chains.template_for("barberry")
    assert default.value_chain == "default" and chains.template_for("saffron") == template
    assert [s.name for s in chains.stages_of(template)] == [s.name for s in chains.stages_of(default)]
    stage_ = services.chain_stage_add(by=national_officer, template=template, name="صادرات", kind="core",
                                      sources=["agencies", "job_leaders.sales"])
    chain = chains.chain_map(cluster=world.here)
    assert chain.own_template and chain.core[-1].name == "صادرات" and chain.core[-1].missing
    services.chain_stage_update(by=national_officer, stage=stage_, name="صادرات و فروش خارجی", kind="support",
                                sources=["agencies"])
    assert chains.chain_map(cluster=world.here).support[-1].name == "صادرات و فروش خارجی"
    core = [s.pk for s in chains.stages_of(template) if s.kind == "core"]
    services.chain_stage_move(by=national_officer, stage=ChainStage.objects.get(pk=core[1]), step=-1)
    assert [s.pk for s in chains.stages_of(chains.template_for("saffron"))][:2] == [core[1], core[0]]
    services.chain_stage_delete(by=national_officer, stage=ChainStage.objects.get(pk=core[0]))
    assert ChainStage.objects.filter(template=template).count() == 8
    positions = list(ChainStage.objects.filter(template=template).values_list("position", flat=True))
    assert len(positions) == len(set(positions))
    assert AuditEntry.objects.filter(action__startswith="chain.").count() == 5
    with pytest.raises(DomainError) as error:
        services.chain_template_create(by=national_officer, value_chain="saffron")
    assert error.value.field == "value_chain"


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"),
    ({"name": "ب" * 61}, "name"),
    ({"name": "تولید"}, "name"),  # the name of another stage
    ({"kind": "other"}, "kind"),
    ({"sources": []}, "sources"),
    ({"sources": ["producers", "oracles"]}, "sources"),
])
def test_bad_stage_edits_are_refused_and_change_nothing(national_officer, change, field):
    template = ChainTemplate.objects.get(value_chain="default")
    target = template.stages.get(name=PACKAGING)
    before = _state()
    kwargs = {"name": "بسته‌بندی نو", "kind": "core", "sources": ["job_leaders.packaging"], **change}
    with pytest.raises(DomainError) as error:
        services.chain_stage_update(by=national_officer, stage=target, **kwargs)
    assert error.value.field == field and str(error.value.message)
    with pytest.raises(DomainError):
        services.chain_stage_add(by=national_officer, template=template, **kwargs)
    assert _state() == before


def test_the_last_core_stage_stays_and_a_stale_order_is_refused(national_officer):
    template = services.chain_template_create(by=national_officer, value_chain="honey")
    core = [s for s in chains.stages_of(template) if s.kind == "core"]
    for s in core[1:]:
        services.chain_stage_delete(by=national_officer, stage=s)
    before = _state()
    with pytest.raises(DomainError):
        services.chain_stage_delete(by=national_officer, stage=core[0])
    with pytest.raises(DomainError) as error:
        services.chain_stage_update(by=national_officer, stage=core[0], name=core[0].name, kind="support",
                                    sources=core[0].sources)
    assert error.value.field == "kind"
    ids = [s.pk for s in chains.stages_of(template)]
    for order in (ids[:-1], [*ids, 999_999], [ids[0], *ids[:-1]]):
        with pytest.raises(DomainError):
            services.chain_stages_reorder(by=national_officer, template=template, order=order)
    with pytest.raises(DomainError):
        services.chain_stage_move(by=national_officer, stage=core[0], step=5)
    for bad in ("default", "no-such-chain"):
        with pytest.raises(DomainError):
            services.chain_template_create(by=national_officer, value_chain=bad)
    assert _state() == before


def test_only_a_national_officer_edits_templates(province_officer, county_officer, plain_user):
    template = ChainTemplate.objects.get(value_chain="default")
    target = template.stages.get(name=PACKAGING)
    before = _state()
    for user in (province_officer, county_officer, plain_user):
        with pytest.raises(PermissionDenied):
            services.chain_template_create(by=user, value_chain="saffron")
        with pytest.raises(PermissionDenied):
            services.chain_stage_add(by=user, template=template, name="نو", kind="core", sources=["producers"])
        with pytest.raises(PermissionDenied):
            services.chain_stage_update(by=user, stage=target, name="نو", kind="core", sources=["producers"])
        with pytest.raises(PermissionDenied):
            services.chain_stage_delete(by=user, stage=target)
        with pytest.raises(PermissionDenied):
            services.chain_stage_move(by=user, stage=target, step=1)
    assert _state() == before


# --- Pages ------------------------------------------------------------------------------------------------

def test_template_pages_edit_with_messages_beside_the_fields(client, national_officer):
    client.force_login(national_officer)
    assert client.get(reverse("production:chain-templates")).status_code == 200
    page = client.get(reverse("production:chain-template", args=["default"]))
    assert page.status_code == 200 and 'data-test="chain-stage-add"' in page.content.decode()
    target = ChainStage.objects.get(template__value_chain="default", name=PACKAGING)
    url = reverse("production:chain-stage-edit", args=["default", target.pk])
    before = _state()
    response = client.post(url, {f"s{target.pk}-name": "تولید", f"s{target.pk}-kind": "core",
                                 f"s{target.pk}-sources": ["job_leaders.packaging"]})
    assert response.status_code == 400 and 'class="field invalid" data-field="name"' in response.content.decode()
    response = client.post(url, {f"s{target.pk}-name": "<b>x</b>", f"s{target.pk}-kind": "sideways",
                                 f"s{target.pk}-sources": ["oracles"]})
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("name", "kind", "sources"):
        assert f'class="field invalid" data-field="{field}"' in page, field
    response = client.post(reverse("production:chain-stage-add", args=["default"]),
                           {"new-name": "", "new-kind": "core"})
    assert response.status_code == 400 and 'class="field invalid" data-field="sources"' in response.content.decode()
    response = client.post(reverse("production:chain-template-create"), {"value_chain": "no-such-chain"})
    assert response.status_code == 400 and 'data-field="value_chain"' in response.content.decode()
    assert client.post(reverse("production:chain-stage-move", args=["default", target.pk]),
                       {"direction": "sideways"}).status_code == 302
    assert _state() == before

    assert client.post(url, {f"s{target.pk}-name": "بسته‌بندی و درجه‌بندی", f"s{target.pk}-kind": "core",
                             f"s{target.pk}-sources": ["job_leaders.packaging", "agencies"]}).status_code == 302
    target.refresh_from_db()
    assert target.name == "بسته‌بندی و درجه‌بندی" and target.sources == ["job_leaders.packaging", "agencies"]
    response = client.post(reverse("production:chain-template-create"), {"value_chain": "saffron"})
    assert response.status_code == 302 and ChainTemplate.objects.filter(value_chain="saffron").exists()
    assert client.get(reverse("production:chain-template", args=["saffron"])).status_code == 200
    assert client.get(reverse("production:chain-template", args=["no-such-chain"])).status_code == 404
    # A stage of one chain is not reachable through another's address.
    assert client.post(reverse("production:chain-stage-delete", args=["saffron", target.pk])).status_code == 404


def test_template_pages_are_read_only_for_other_viewers_and_closed_to_others(client, county_officer, plain_user):
    target = ChainStage.objects.get(template__value_chain="default", name=PACKAGING)
    posts = [
        (reverse("production:chain-template-create"), {"value_chain": "saffron"}),
        (reverse("production:chain-stage-add", args=["default"]),
         {"new-name": "نو", "new-kind": "core", "new-sources": ["producers"]}),
        (reverse("production:chain-stage-edit", args=["default", target.pk]),
         {f"s{target.pk}-name": "نو", f"s{target.pk}-kind": "core", f"s{target.pk}-sources": ["producers"]}),
        (reverse("production:chain-stage-delete", args=["default", target.pk]), {}),
        (reverse("production:chain-stage-move", args=["default", target.pk]), {"direction": "later"}),
    ]
    before = _state()
    client.force_login(county_officer)
    page = client.get(reverse("production:chain-template", args=["default"]))
    assert page.status_code == 200 and PACKAGING in page.content.decode() and "<form" not in page.content.decode(
        ).split('id="main"')[1].split("</main>")[0]
    assert client.get(reverse("production:chain-templates")).status_code == 200
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    client.force_login(plain_user)
    assert client.get(reverse("production:chain-templates")).status_code == 403
    assert client.get(reverse("production:chain-template", args=["default"])).status_code == 403
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_the_cluster_page_draws_the_chain(client, world, county_officer, birjand_officer, make_person, birjand,
                                         django_assert_max_num_queries):
    client.force_login(county_officer)
    url = reverse("production:cluster", args=[world.here.pk])
    page = client.get(url).content.decode()
    assert 'data-test="chain"' in page and page.count('data-test="chain-stage"') == 8
    assert page.count("data-missing") >= 4 and 'id="gap-' in page
    assert reverse("production:chain-missing") in page
    client.force_login(birjand_officer)
    assert client.get(url).status_code == 404
    # The cost of the page does not grow with the actors in the province.
    client.force_login(county_officer)
    with django_assert_max_num_queries(35) as few:  # the chain itself costs about ten
        client.get(url)
    for i in range(8):
        leader(birjand_officer, birjand, f"کارگاه {i}", ["packaging", "branding", "training"], make_person)
        orgs.institution_create(by=birjand_officer, county=birjand, name=f"بانک {i}", place=None,
                                type="bank_branch", bank="melli")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "کارگاه 0" in page


def test_province_page_by_scope(client, world, south_khorasan, qaenat, birjand, province_officer, county_officer,
                                birjand_officer, national_officer, plain_user, make_person, make_user,
                                django_assert_max_num_queries):
    url = reverse("production:chain-missing")
    client.force_login(province_officer)
    with django_assert_max_num_queries(21) as few:  # 21: with the running training courses
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-test="cluster-links"') == 3
    assert 'data-test="missing-link"' in text
    for i in range(6):  # more actors and another cluster's worth of data: the same number of queries
        leader(birjand_officer, birjand, f"کارگاه {i}", ["packaging"], make_person)
        orgs.group_create(by=birjand_officer, county=birjand, name=f"گروه {i}", place=None,
                          fields_of_work=["training"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200

    # A county officer sees their province's page, limited to the clusters of their county.
    client.force_login(county_officer)
    text = client.get(url).content.decode()
    assert text.count('data-test="cluster-links"') == 1 and world.here.name in text
    assert world.there.name not in text and world.top.name not in text
    assert client.get(url, {"province": south_khorasan.pk}).status_code == 200
    assert client.get(url, {"province": to_persian_digits(str(south_khorasan.pk))}).status_code == 200

    # A national officer chooses a province.
    client.force_login(national_officer)
    other = OrgUnit.objects.filter(kind="province").exclude(pk=south_khorasan.pk).order_by("pk").first()
    assert client.get(url, {"province": south_khorasan.pk}).content.decode().count('data-test="cluster-links"') == 3
    assert client.get(url, {"province": other.pk}).status_code == 200

    # Another province's officer, a nonsense address and a plain user are refused.
    far_county = OrgUnit.objects.filter(kind="county", parent=other).first()
    far = make_user(make_person(far_county), roles=[("county_officer", far_county)])
    client.force_login(far)
    assert client.get(url, {"province": south_khorasan.pk}).status_code == 403
    assert client.get(url).content.decode().count('data-test="cluster-links"') == 0
    for bad in ("abc", "-1", "99999999", "1", "²", "9" * 30, "<b>"):
        assert client.get(url, {"province": bad}).status_code == 403
    client.force_login(plain_user)
    assert client.get(url).status_code == 403
    assert client.get(reverse("production:cluster", args=[world.here.pk])).status_code == 404


# --- Actors count for the product lines they serve ---------------------------------------------------------

def test_a_carpet_workshop_is_no_actor_of_the_saffron_chain(world, qaenat, qaenat_village, county_officer,
                                                           province_officer, make_person, make_user):
    carpet = Product.objects.get(code="carpet")
    weavers = _colony(county_officer, qaenat, qaenat_village, carpet, make_person)
    workshop_user = make_user(make_person(qaenat))
    workshop = jobs.job_leader_register(by=county_officer, county=qaenat, owner=workshop_user.person,
                                        name="کارگاه فرش نگین", functions=["supply", "sales"])
    confirm_proposals(workshop_user, by=province_officer)  # its manager's role needs a second officer
    # No stated product: its agreements say what it serves.
    jobs.job_agreement_create(by=workshop_user, job_leader=workshop, producer=weavers.members.first().producer,
                              product=carpet, pricing="purchase", rate_a=25_000_000)
    chain = chains.chain_map(cluster=world.here)
    for name in ("تأمین نهاده", "فروش و توزیع"):
        assert stage(chain, name).missing and "کارگاه فرش نگین" not in remedies(stage(chain, name))
        assert "کارگاه فرش نگین" not in [a.name for a in stage(chain, name).actors]
    more = _colony(county_officer, qaenat, qaenat_village, carpet, make_person)
    carpets = services.county_cluster_create(by=county_officer, county=qaenat, focus_product=carpet,
                                             colonies=[weavers, more])
    assert [a.name for a in stage(chains.chain_map(cluster=carpets), "تأمین نهاده").actors] == ["کارگاه فرش نگین"]
    assert [a.name for a in chains.actors_in(code="job_leaders.supply", area=qaenat, value_chain="saffron")] == []
    assert [a.name for a in chains.actors_in(code="job_leaders.supply", area=qaenat)] == ["کارگاه فرش نگین"]
    # A job leader that says nothing of its products, has no agreement and no cluster serves no chain yet.
    leader(county_officer, qaenat, "کارگاه بی‌نام", ["supply"], make_person, products=())
    assert "کارگاه بی‌نام" not in [a.name for a in stage(chains.chain_map(cluster=world.here), "تأمین نهاده").actors]
    # Attached to the saffron cluster, it serves saffron.
    leader(county_officer, qaenat, "تأمین قاین", ["supply"], make_person, cluster=world.here, products=())
    assert [a.name for a in stage(chains.chain_map(cluster=world.here), "تأمین نهاده").actors] == ["تأمین قاین"]


def test_the_clusters_own_brand_fills_its_branding_stage(world, qaenat, qaenat_village, county_officer,
                                                          birjand_officer, make_person):
    from mardom.brands import services as brands

    assert stage(chains.chain_map(cluster=world.here), BRANDING).missing
    assert any(r.url == reverse("brands:create") for r in stage(chains.chain_map(cluster=world.here),
                                                                 BRANDING).remedies)
    brand = brands.brand_create(by=county_officer, owner=world.here, name="زعفران قائنات",
                                specification="رنگ بالای ۲۲۰", rules="فقط زعفران سرگل",
                                effective_from=datetime.date(2026, 3, 21))
    branding = stage(chains.chain_map(cluster=world.here), BRANDING)
    assert not branding.missing and [a.name for a in branding.actors] == ["زعفران قائنات"]
    assert branding.actors[0].url == reverse("brands:brand", args=[brand.pk])
    # Another cluster's brand is not Birjand's, and is no remedy for it either.
    there = stage(chains.chain_map(cluster=world.there), BRANDING)
    assert there.missing and "زعفران قائنات" not in remedies(there)
    # A colony's brand fills its cluster's stage too.
    colony = world.there.colonies.order_by("pk").first()
    brands.brand_create(by=birjand_officer, owner=colony, name="زعفران روستای ما", specification="سرگل",
                        rules="فقط اعضا", effective_from=datetime.date(2026, 3, 21))
    assert [a.name for a in stage(chains.chain_map(cluster=world.there), BRANDING).actors] == ["زعفران روستای ما"]


def test_the_barberry_clusters_packaging_remedy_is_no_saffron_packer(world, qaenat, birjand, qaenat_village,
                                                                     county_officer, birjand_officer, make_person,
                                                                     django_assert_max_num_queries):
    barberry = Product.objects.get(code="barberry")
    berries = _cluster(county_officer, qaenat, qaenat_village, barberry, make_person)
    leader(birjand_officer, birjand, "بسته‌بندی زعفران سحر", ["packaging"], make_person, cluster=world.there)
    packaging = stage(chains.chain_map(cluster=berries), PACKAGING)
    assert packaging.missing and "سحر" not in remedies(packaging)
    assert "بسته‌بندی زعفران سحر" in remedies(stage(chains.chain_map(cluster=world.here), PACKAGING))
    leader(birjand_officer, birjand, "بسته‌بندی زرشک بیرجند", ["packaging"], make_person, products=("barberry",))
    packaging = stage(chains.chain_map(cluster=berries), PACKAGING)
    assert "بسته‌بندی زرشک بیرجند" in remedies(packaging) and "سحر" not in remedies(packaging)
    assert "زرشک" not in remedies(stage(chains.chain_map(cluster=world.here), PACKAGING))
    with django_assert_max_num_queries(14):  # every kind of actor read once, whatever their number
        chains.chain_map(cluster=berries)


def test_the_found_a_brand_remedy_is_a_link_only_for_those_who_may_found_one(auditor, county_officer):
    from django.urls import reverse

    from mardom.production.selectors import openable_links

    url = reverse("brands:create")
    assert url in openable_links(user=county_officer, urls=[url])
    assert url not in openable_links(user=auditor, urls=[url])  # it answered 403 from the cluster page
