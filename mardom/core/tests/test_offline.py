"""The service worker and the web app manifest: served from the root, with the headers a browser needs."""

from __future__ import annotations

import json

import pytest


def test_the_service_worker_is_served_at_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    # It keeps exactly the two offline pages, and never answers a write.
    assert r"/^\/funds\/\d+\/month\/$/" in body and r"/^\/market\/booths\/\d+\/$/" in body
    assert 'if (request.method !== "GET") return;' in body


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest"])
def test_a_post_is_refused(client, path):
    assert client.post(path).status_code == 405


def test_the_manifest_is_persian_and_right_to_left(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert (body["lang"], body["dir"], body["start_url"], body["scope"]) == ("fa", "rtl", "/", "/")
    assert body["name"] == "مردم"
    assert body["icons"][0]["src"].endswith(".svg")
