"""`make demo` serves the product as it behaves: no debug pages, hashed compressed static files cached for a
year, a favicon, titles with a separator. (The page weights are measured by bench/page_weight.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)


def _demo_settings(tmp_path: Path) -> dict[str, object]:
    """The demo settings as a fresh process sees them (var/ pointed at a scratch folder)."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'hosts': s.ALLOWED_HOSTS, 'key': s.SECRET_KEY, 'fake': s.PAYMENT_FAKE_GATEWAY_ENABLED, "
        "'middleware': s.MIDDLEWARE}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.demo", "MARDOM_VAR_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


def test_the_demo_runs_with_debug_off_and_the_products_static_storage(tmp_path):
    demo = _demo_settings(tmp_path)
    assert demo["DEBUG"] is False
    assert demo["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in demo["middleware"]
    assert demo["hosts"] == ["127.0.0.1", "localhost"]
    assert demo["fake"] is True  # the local gateway is switched on by name here, never by default
    # The secret is random per checkout, kept in var/, and the same on the next start.
    assert len(str(demo["key"])) >= 50 and "insecure" not in str(demo["key"])
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0
    assert _demo_settings(tmp_path)["key"] == demo["key"]


def test_make_demo_serves_the_demo_settings_through_gunicorn():
    makefile = (BASE_DIR / "Makefile").read_text()
    recipe = makefile[makefile.index("\ndemo:"):makefile.index("\n\n", makefile.index("\ndemo:"))]
    assert "DEMO_ENV" in recipe and "collectstatic" in recipe and "gunicorn" in recipe and "runserver" not in recipe
    assert "DJANGO_SETTINGS_MODULE=config.settings.demo" in makefile


@pytest.mark.django_db
def test_an_unknown_address_is_the_persian_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "صفحه پیدا نشد" in html and 'dir="rtl"' in html
    assert "URLconf" not in html and "Page not found" not in html  # not Django's technical page


@pytest.mark.django_db
def test_titles_carry_a_separator(client):
    html = client.get(reverse("login")).content.decode()
    assert "<title>ورود – مردم</title>" in html


def test_a_page_without_a_title_is_named_after_the_site():
    from django.template import Context, Template

    source = "{% page_title %}{% block title %}{% endblock %}{% endpage_title %}"
    assert Template(source).render(Context()) == "مردم"
    child = Template("{% extends base %}{% block title %}{{ name }}{% endblock %}")
    rendered = child.render(Context({"base": Template(source), "name": "<خانه>"}))
    assert rendered == "&lt;خانه&gt; – مردم"  # what a page puts in its title stays escaped


@pytest.mark.django_db
def test_the_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    html = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html


def test_the_web_font_is_the_subset_and_is_declared_in_the_stylesheet():
    font = Path(finders.find("vendor/vazirmatn/Vazirmatn-Variable.woff2"))
    assert font.stat().st_size < 64_000  # the whole variable font is 111 KB
    from fontTools.ttLib import TTFont

    cmap = TTFont(font).getBestCmap()
    for char in "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآأؤئۀ۰۱۲۳۴۵۶۷۸۹،؛؟«»\u200cAz09":
        assert ord(char) in cmap, char
    assert "wght" in [axis.axisTag for axis in TTFont(font)["fvar"].axes]  # every weight from one file
    css = Path(finders.find("core/mardom.css")).read_text()
    assert 'url("../vendor/vazirmatn/Vazirmatn-Variable.woff2")' in css  # rewritten to the hashed name
