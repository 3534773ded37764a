"""The storefront in the browser: an anonymous buyer on a phone searches in Persian (typed with Arabic
letters), adds a pack to the cart, checks out with her mobile in Persian digits, pays on the fake gateway and
sees her order paid."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mardom.brands.models import Authorisation
from mardom.market import services
from mardom.market.models import Listing, Order
from mardom.people.models import User

from .conftest import shot


def _a_listing() -> Listing:
    """A demo listing in stock; if the demo has none yet, one put on sale by an authorised grower."""
    listing = Listing.objects.filter(active=True, stock__gte=2, authorisation__status="active").first()
    if listing is not None:
        return listing
    authorisation = Authorisation.objects.filter(status="active").select_related("producer", "product").first()
    assert authorisation is not None, "the demo has authorised brand members"
    user = User.objects.filter(person_id=authorisation.producer.person_id).first() or User.objects.filter(
        role_assignments__role="national_officer").first()
    return services.listing_create(by=user, authorisation=authorisation, title=f"{authorisation.product.name} سرگل",
                                   pack="۴ گرم", price=1_200_000, stock=20)


def test_an_anonymous_buyer_searches_pays_and_sees_her_order_paid(page: Page) -> None:
    listing = _a_listing()
    stock = listing.stock
    page.goto("/shop/")
    # Typed with Arabic yeh and kaf where they occur: normalised before searching.
    word = listing.title.split(" ")[0].replace("ی", "ي").replace("ک", "ك")
    page.locator("[data-test=shop-search] input[name=q]").fill(word)
    page.locator("[data-test=search]").click()
    page.locator("[data-test=listing]", has_text=listing.title).first.click()
    expect(page.locator("[data-test=provenance-facts]")).to_contain_text(listing.authorisation.brand.name)
    expect(page.locator("[data-test=provenance-link]")).to_be_visible()
    page.locator("[data-test=add-form] input[name=quantity]").fill("۲")
    page.locator("[data-test=add-to-cart]").click()
    expect(page.locator("[data-test=cart]")).to_contain_text(listing.title)
    form = page.locator("[data-test=checkout-form]")
    form.locator("input[name=buyer_name]").fill("سارا خریدار")
    form.locator("input[name=buyer_mobile]").fill("۰۹۱۲ ۳۴۵ ۶۷۸۹")
    form.locator("textarea[name=address]").fill("تهران، خیابان انقلاب، پلاک ۱۰")
    shot(page, "shop-checkout-phone")
    form.locator("[data-test=checkout]").click()
    expect(page.locator("[data-test=gateway-pay]")).to_be_visible()
    page.locator("[data-test=gateway-pay]").click()
    expect(page.locator("[data-test=order-status]")).to_have_attribute("data-status", "paid")
    shot(page, "shop-order-paid-phone")
    order = Order.objects.get(buyer_name="سارا خریدار")
    assert order.status == "paid" and order.buyer_mobile == "09123456789"
    listing.refresh_from_db()
    assert listing.stock == stock - 2
