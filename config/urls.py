from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from mardom.brands.views import provenance_search, provenance_view
from mardom.market.urls import shop_patterns
from mardom.people.urls import people_patterns
from mardom.training.views.certificates import certificate_search, certificate_view

handler400 = "mardom.core.views.bad_request"
handler403 = "mardom.core.views.permission_denied"
handler404 = "mardom.core.views.page_not_found"
handler500 = "mardom.core.views.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("mardom.people.urls")),
    path("people/", include((people_patterns, "people"))),
    path("", include("mardom.core.urls")),
    path("geo/", include("mardom.geo.urls")),
    path("orgs/", include("mardom.orgs.urls")),
    path("funds/", include("mardom.funds.urls")),
    path("production/", include("mardom.production.urls")),
    path("brands/", include("mardom.brands.urls")),
    path("market/", include("mardom.market.urls")),
    path("shop/", include((shop_patterns, "shop"))),
    path("desk/", include("mardom.desk.urls")),
    path("training/", include("mardom.training.urls")),
    path("dashboards/", include("mardom.dashboards.urls")),
    path("api/", include("mardom.api.urls")),
    # What a brand label's QR code opens: public, short (it is printed), no login.
    path("p/", provenance_search, name="provenance-search"),
    path("p/<str:serial>/", provenance_view, name="provenance"),
    # What a training certificate's QR code opens: public, short, no login (name, course, publisher, date).
    path("c/", certificate_search, name="certificate-search"),
    path("c/<str:code>/", certificate_view, name="certificate"),
]
