from django.urls import path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView
from oauth2_provider import views as oauth2
from rest_framework.permissions import AllowAny

from . import batch, pages, views

app_name = "api"

v1 = [
    path("funds/", views.FundList.as_view(), name="funds"),
    path("funds/<int:pk>/", views.FundDetail.as_view(), name="fund"),
    path("funds/<int:pk>/memberships/", views.FundMemberships.as_view(), name="fund-memberships"),
    path("funds/<int:pk>/loans/", views.FundLoans.as_view(), name="fund-loans"),
    path("funds/<int:pk>/draws/", views.FundDraws.as_view(), name="fund-draws"),
    path("memberships/<int:pk>/", views.MembershipDetail.as_view(), name="membership"),
    path("memberships/<int:pk>/contributions/", views.Contributions.as_view(), name="contributions"),
    path("memberships/<int:pk>/withdrawals/", views.Withdrawals.as_view(), name="withdrawals"),
    path("loans/<int:pk>/", views.LoanDetail.as_view(), name="loan"),
    path("loans/<int:pk>/repayments/", views.Repayments.as_view(), name="repayments"),
    path("producers/", views.ProducerList.as_view(), name="producers"),
    path("producers/<int:pk>/", views.ProducerDetail.as_view(), name="producer"),
    path("booths/", views.BoothList.as_view(), name="booths"),
    path("booths/<int:pk>/sales/", views.Sales.as_view(), name="sales"),
    path("orders/", views.OrderParts.as_view(), name="orders"),
    path("desk/requests/", views.DeskRequests.as_view(), name="desk-requests"),
    path("desk/requests/<int:pk>/", views.DeskRequestDetail.as_view(), name="desk-request"),
    path("desk/requests/<int:pk>/receive/", views.DeskReceive.as_view(), name="desk-receive"),
    path("desk/requests/<int:pk>/answer/", views.DeskAnswer.as_view(), name="desk-answer"),
    path("training/enrolments/", views.Enrolments.as_view(), name="enrolments"),
    path("batch/", batch.Batch.as_view(), name="batch"),
    path("figures/<int:pk>/", views.UnitFigures.as_view(), name="figures"),
]

urlpatterns = [
    *[path(f"v1/{p.pattern}", p.callback, name=p.name) for p in v1],
    # The schema is public: partners read it before they have a token.
    path("schema/", cache_control(public=True, max_age=600)(
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[])), name="schema"),
    path("docs/", pages.docs, name="docs"),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token-revoke"),
    # OAuth2 for institution clients: client credentials only (the applications are made so).
    path("oauth/token/", oauth2.TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke/", oauth2.RevokeTokenView.as_view(), name="oauth-revoke"),
]
