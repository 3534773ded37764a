"""A cluster's missing training link is filled by a course of its value chain running or ahead in its county;
the value-chain page names it, with a link to the course."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from mardom.production import chains
from mardom.training import services

from .conftest import NOW, at, make_course

pytestmark = pytest.mark.django_db


def _training(chain_map):
    return next(s for s in chain_map.support if s.name == "آموزش")


def _empty_county_cluster(saffron_growers):
    """A saffron cluster in Qaenat; the world's centres are removed from the picture by being in Birjand."""
    return saffron_growers(4).cluster


def test_a_running_course_of_the_chain_fills_the_missing_training_link(county_officer, qaenat, saffron_growers,
                                                                     client):
    cluster = saffron_growers(4).cluster
    with time_machine.travel(NOW, tick=False):
        assert _training(chains.chain_map(cluster=cluster)).missing
        saffron = cluster.focus_product
        course = make_course(county_officer, qaenat, title="فرآوری زعفران", product=saffron)
        stage = _training(chains.chain_map(cluster=cluster))
        assert not stage.missing
        actor = next(a for a in stage.actors if a.url == reverse("training:course", args=[course.pk]))
        assert "فرآوری زعفران" in actor.name
        client.force_login(county_officer)
        page = client.get(reverse("production:cluster", args=[cluster.pk])).content.decode()
        assert reverse("training:course", args=[course.pk]) in page and "دورهٔ آموزشی «فرآوری زعفران»" in page


def test_a_course_of_another_chain_or_finished_or_a_draft_fills_nothing(county_officer, qaenat, saffron_growers):
    from mardom.production.models import Product

    cluster = saffron_growers(4).cluster
    barberry = Product.objects.get(code="barberry")
    with time_machine.travel(NOW, tick=False):
        make_course(county_officer, qaenat, title="زرشک", product=barberry)
        make_course(county_officer, qaenat, title="پیش‌نویس", product=cluster.focus_product, publish=False)
        assert _training(chains.chain_map(cluster=cluster)).missing
    course = make_course(county_officer, qaenat, title="زعفران", product=cluster.focus_product)
    with time_machine.travel(at(4, 9), tick=False):  # its three sessions are over
        assert _training(chains.chain_map(cluster=cluster)).missing
    with time_machine.travel(NOW, tick=False):
        services.course_cancel(by=county_officer, course=course, reason="لغو")
        assert _training(chains.chain_map(cluster=cluster)).missing
