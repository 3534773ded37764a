"""The month page carries the offline queue for its treasurer only; the plain form still posts without script."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from mardom.funds.models import Contribution

from .test_views import IN_1403_02


@time_machine.travel(IN_1403_02, tick=False)
def test_the_month_page_carries_the_queue_in_persian(client, treasurer, fund, join):
    join()
    client.force_login(treasurer)
    page = client.get(reverse("funds:month", args=[fund.pk]), {"year": "1403", "month": "2"}).content.decode()
    assert 'data-offline-queue="month"' in page and f'data-user="{treasurer.pk}"' in page
    assert 'data-batch-url="/api/v1/batch/"' in page and 'data-sw="/sw.js"' in page
    assert "در انتظار ارسال: {n}" in page and "همین حالا ارسال کن" in page
    assert "vendor/idb/idb.umd.js" in page and "core/offline.js" in page
    assert "<script>" not in page  # no inline script: the CSP allows only the site's own files


@time_machine.travel(IN_1403_02, tick=False)
def test_an_officer_of_another_county_gets_no_month_page_and_no_queue(client, birjand_officer, fund, join):
    join()
    client.force_login(birjand_officer)
    response = client.get(reverse("funds:month", args=[fund.pk]), {"year": "1403", "month": "2"})
    assert response.status_code in (403, 404)
    assert b"data-offline-queue" not in response.content
    assert Contribution.objects.count() == 0
