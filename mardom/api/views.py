"""The API's resources under /api/v1/. Each view parses with a serializer and calls one selector or service, as
the pages do; a view names the scope its writes need (`write_scope`) and wraps its POST in `idempotent`."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from mardom.core.digits import localize_digits
from mardom.desk.services import requests as desk
from mardom.funds import services as funds
from mardom.market import services as market

from . import selectors
from . import serializers as s
from .auth import principal_of
from .errors import Problem
from .idempotency import HEADER, idempotent
from .models import Scope

KEY_PARAM = OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=True,
                             description="A new random value for each new action; the same one to retry it.")


def service_key(request: Request, prefix: str) -> str:
    """The key handed to a service's own idempotency (a ledger entry's, a sale's): from the caller and its
    Idempotency-Key, short enough for every service's column."""
    raw = f"{principal_of(request).ident}\n{request.headers.get(HEADER, '')}"
    return f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def parsed(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- funds -------------------------------------------------------------------------------------------------
class FundList(generics.ListAPIView):
    serializer_class = s.FundSerializer

    def get_queryset(self) -> Any:
        return selectors.funds_of(user=self.request.user)


class FundDetail(generics.RetrieveAPIView):
    serializer_class = s.FundDetailSerializer

    def get_object(self) -> Any:
        return selectors.fund_with_totals(user=self.request.user, pk=self.kwargs["pk"])


class FundMemberships(generics.ListAPIView):
    serializer_class = s.MembershipSerializer

    def get_queryset(self) -> Any:
        return selectors.memberships_of(user=self.request.user, fund_pk=self.kwargs["pk"])


class MembershipDetail(generics.RetrieveAPIView):
    serializer_class = s.MembershipSerializer

    def get_object(self) -> Any:
        return selectors.membership_of(user=self.request.user, pk=self.kwargs["pk"])


class Contributions(generics.ListAPIView):
    """A member's contributions; POST records one month (the treasurer), as the member's page does. A month
    already recorded is not recorded again: the answer is the record there (200 instead of 201)."""

    serializer_class = s.ContributionSerializer
    write_scope = Scope.FUNDS_WRITE

    def get_queryset(self) -> Any:
        return selectors.contributions_of(user=self.request.user, membership_pk=self.kwargs["pk"])

    @extend_schema(request=s.ContributionInput, responses={201: s.ContributionSerializer,
                                                           200: s.ContributionSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.ContributionInput, request)
        membership = selectors.membership_of(user=request.user, pk=pk)
        existed = selectors.contribution_exists(membership=membership, year=data["year"], month=data["month"])
        contribution = funds.contribution_record(
            by=request.user, membership=membership, year=data["year"], month=data["month"],
            paid_on=data.get("paid_on") or timezone.localdate(), amount=data.get("amount"))
        return Response(s.ContributionSerializer(contribution).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class Withdrawals(generics.ListAPIView):
    serializer_class = s.WithdrawalSerializer
    write_scope = Scope.FUNDS_WRITE

    def get_queryset(self) -> Any:
        return selectors.withdrawals_of(user=self.request.user, membership_pk=self.kwargs["pk"])

    @extend_schema(request=s.WithdrawalInput, responses={201: s.WithdrawalSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.WithdrawalInput, request)
        membership = selectors.membership_of(user=request.user, pk=pk)
        movement = funds.withdrawal_record(by=request.user, membership=membership, amount=data["amount"],
                                           occurred_on=data.get("occurred_on") or timezone.localdate(),
                                           idempotency_key=service_key(request, "api-withdraw"))
        return Response(s.WithdrawalSerializer(movement).data, status=status.HTTP_201_CREATED)


class FundLoans(generics.ListAPIView):
    serializer_class = s.LoanSerializer

    def get_queryset(self) -> Any:
        return selectors.loans_of(user=self.request.user, fund_pk=self.kwargs["pk"])


class LoanDetail(generics.RetrieveAPIView):
    """A loan with its schedule of installments and what is paid and owed."""

    serializer_class = s.LoanDetailSerializer

    def get_object(self) -> Any:
        return selectors.loan_detail(user=self.request.user, pk=self.kwargs["pk"])


class Repayments(generics.ListAPIView):
    serializer_class = s.RepaymentSerializer
    write_scope = Scope.FUNDS_WRITE

    def get_queryset(self) -> Any:
        return selectors.repayments_of(user=self.request.user, loan_pk=self.kwargs["pk"])

    @extend_schema(request=s.RepaymentInput, responses={201: s.RepaymentSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.RepaymentInput, request)
        loan = selectors.loan_of(user=request.user, pk=pk)
        repayment = funds.loan_repay(by=request.user, loan=loan, amount=data["amount"],
                                     paid_on=data.get("paid_on") or timezone.localdate(),
                                     idempotency_key=service_key(request, "api-repay"))
        return Response(s.RepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED)


class FundDraws(generics.ListAPIView):
    serializer_class = s.DrawSerializer

    def get_queryset(self) -> Any:
        return selectors.draws_of(user=self.request.user, fund_pk=self.kwargs["pk"])


# --- production and market ---------------------------------------------------------------------------------
class ProducerList(generics.ListAPIView):
    serializer_class = s.ProducerSerializer

    def get_queryset(self) -> Any:
        return selectors.producers_of(user=self.request.user)


class ProducerDetail(generics.RetrieveAPIView):
    serializer_class = s.ProducerSerializer

    def get_object(self) -> Any:
        return selectors.producer_of(user=self.request.user, pk=self.kwargs["pk"])


class BoothList(generics.ListAPIView):
    """The booths the user sells at (a handful: not paged)."""

    serializer_class = s.BoothSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.booths_of(user=self.request.user)


def sale_lines(application: Any, lines: list[dict[str, Any]]) -> list[Any]:
    """The sale's lines as the booth's form would give them: a product the booth's producers make, and whose
    goods at a group's booth. Anything else is refused beside its line, as the form refuses a choice it lacks."""
    from mardom.market.services.sales import Line

    products, producers = selectors.booth_choices(application=application)
    out = []
    for i, line in enumerate(lines):
        product = products.get(line["product"])
        if product is None:
            raise serializers.ValidationError({"lines": {i: {"product": [_("This booth does not sell that.")]}}})
        producer = producers.get(line.get("producer") or 0)
        if line.get("producer") and producer is None:
            raise serializers.ValidationError({"lines": {i: {"producer": [_("Not a producer of this booth.")]}}})
        out.append(Line(product=product, quantity=line["quantity"], unit_price=line["unit_price"],
                        producer=producer))
    return out


class Sales(generics.ListAPIView):
    """A booth's sales; POST records one (the seller, on a day the booth is hers: the server's day decides)."""

    serializer_class = s.SaleSerializer
    write_scope = Scope.SALES_WRITE

    def get_queryset(self) -> Any:
        return selectors.sales_of(user=self.request.user, booth_pk=self.kwargs["pk"])

    @extend_schema(request=s.SaleInput, responses={201: s.SaleSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.SaleInput, request)
        application = selectors.booth_of(user=request.user, pk=pk)
        sale = market.sale_record(by=request.user, application=application,
                                  lines=sale_lines(application, data["lines"]), method=data["method"],
                                  idempotency_key=service_key(request, "api-sale"))
        return Response(s.SaleSerializer(sale).data, status=status.HTTP_201_CREATED)


class OrderParts(generics.ListAPIView):
    """Paid storefront orders the user's own producers send."""

    serializer_class = s.OrderPartSerializer

    def get_queryset(self) -> Any:
        return selectors.order_parts_of(user=self.request.user)


# --- desk and training -------------------------------------------------------------------------------------
class DeskRequests(generics.ListAPIView):
    """The requests sent to the user's institution(s): what waits for an answer (`view=todo`, the default), what
    waits on the person (`waiting`), what was answered (`done`). An institution client sees its institution's."""

    serializer_class = s.DeskRequestSerializer

    @extend_schema(parameters=[OpenApiParameter("view", str, enum=["todo", "waiting", "done"], required=False)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        view = self.request.query_params.get("view", "todo")
        return selectors.desk_inbox(user=self.request.user, view=view if view in ("waiting", "done") else "todo")


class DeskRequestDetail(generics.RetrieveAPIView):
    serializer_class = s.DeskRequestSerializer

    def get_object(self) -> Any:
        return selectors.desk_request(user=self.request.user, pk=self.kwargs["pk"])


class DeskReceive(generics.GenericAPIView):
    """The institution says it has received the request (its first answer: the first deadline is met)."""

    serializer_class = s.DeskRequestSerializer
    write_scope = Scope.DESK_ANSWER

    @extend_schema(request=s.DeskStepInput, responses={200: s.DeskRequestSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.DeskStepInput, request)
        done = desk.request_receive(by=request.user, request=selectors.desk_request(user=request.user, pk=pk),
                                    note=data.get("note", ""))
        return Response(s.DeskRequestSerializer(done).data)


class DeskAnswer(generics.GenericAPIView):
    """The institution's decision on a request sent to it: the same transition the inbox's answer makes."""

    serializer_class = s.DeskRequestSerializer
    write_scope = Scope.DESK_ANSWER

    @extend_schema(request=s.DeskAnswerInput, responses={200: s.DeskRequestSerializer}, parameters=[KEY_PARAM])
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = parsed(s.DeskAnswerInput, request)
        done = desk.request_answer(
            by=request.user, request=selectors.desk_request(user=request.user, pk=pk), outcome=data["outcome"],
            granted_amount=data.get("granted_amount"), refusal_reason=data.get("refusal_reason", ""),
            refusal_text=data.get("refusal_text", ""), answer_text=data.get("answer_text", ""))
        return Response(s.DeskRequestSerializer(done).data)


class Enrolments(generics.ListAPIView):
    """The user's own course enrolments (a handful: not paged)."""

    serializer_class = s.EnrolmentSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.enrolments_of(user=self.request.user)


def too_many(limit: int) -> Problem:
    return Problem(_("At most %(n)s commands in one batch; send the rest in another.")
                   % {"n": localize_digits(str(limit))}, status_code=413, code="batch_too_large", field="commands")


# --- dashboard figures ----------------------------------------------------------------------------------------
class UnitFigures(generics.GenericAPIView):
    """A unit's dashboard figures (this month, this Jalali year, last year) and its children's this year: the same
    stored figures, definitions and scope as the dashboard page (`dashboards.selectors.levels`)."""

    serializer_class = s.UnitFiguresSerializer
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        from mardom.dashboards import figures as dash_figures
        from mardom.dashboards.selectors import levels

        page = levels.level(user=request.user, pk=pk)
        codes = levels.metric_codes(page.groups)

        def row(code: str) -> dict[str, Any]:
            metric = dash_figures.metric_of(code)
            return {"code": code, "label": str(metric.label), "kind": metric.kind, "unit": metric.unit,
                    **{column: page.values.column(column).get(code) for column in ("month", "year", "last_year")}}

        children = [{"id": child.unit.pk, "name": child.unit.name, "kind": child.unit.kind,
                     "year": {code: child.values.year.get(code) for code in codes}}
                    for table in page.children for child in table.rows]
        return Response(s.UnitFiguresSerializer({
            "unit": {"id": page.unit.pk, "name": page.unit.name, "kind": page.unit.kind},
            "month": page.cols.month, "year": page.cols.year, "last_year": page.cols.last_year,
            "figures": [row(code) for code in codes], "children": children}).data)
