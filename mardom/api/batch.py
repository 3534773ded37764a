"""POST /api/v1/batch/: the commands a device recorded offline (a meeting's contributions and repayments, a
booth's sales), sent when the connection returns; and the corrections a closed meeting still accepts (reversing a
contribution, a repayment or a withdrawal) and closing the meeting itself.

Each command carries an id made on the device (a UUID). Each is applied at most once, in its own transaction,
through the same service a page would call: the same id sent again is answered "already applied" with the first
result, and other content under an id already applied is refused (as ODK Central refuses a resubmission that
differs). A refused command (a member who left meanwhile, a booth day that ended, an amount over the rules)
leaves nothing behind and does not stop the others; the device shows its Persian message beside its row, and may
send it again corrected under the same id, or drop it. The device's clock never decides: dates a command gives
are checked by the server's date rules, and a sale is dated by the server.

Each command's id is its own idempotency key; the batch as a whole also takes the Idempotency-Key header, as
every write does (`idempotency.idempotent_batch`): the same batch sent again under its key gets the first
answer back, another batch under a used key 422, one still running 409. The offline pages make the key from
the ids of the commands in the batch, so a batch resent as it was carries the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from mardom.core.errors import DomainError
from mardom.funds import selectors as fund_selectors
from mardom.funds import services as funds
from mardom.market import services as market

from . import selectors
from . import serializers as s
from .auth import principal_of
from .errors import _flatten
from .idempotency import idempotent_batch
from .models import AppliedCommand, Scope
from .views import KEY_PARAM, sale_lines, too_many

MAX_COMMANDS = 500


class ContributionCommand(s.ContributionInput):
    membership = serializers.IntegerField(min_value=1)


class RepaymentCommand(s.RepaymentInput):
    loan = serializers.IntegerField(min_value=1)


class WithdrawalCommand(s.WithdrawalInput):
    membership = serializers.IntegerField(min_value=1)


class SaleCommand(s.SaleInput):
    booth = serializers.IntegerField(min_value=1)


class ReverseCommand(serializers.Serializer):
    """Take back a record made by mistake; the reason is kept with the correction."""

    record = serializers.IntegerField(min_value=1, help_text="the contribution's, repayment's or withdrawal's id")
    reason = serializers.CharField(max_length=300)


class MeetingCloseCommand(serializers.Serializer):
    fund = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=1300, max_value=1600, help_text="Jalali year")
    month = serializers.IntegerField(min_value=1, max_value=12, help_text="Jalali month")
    held_on = serializers.DateField(required=False, help_text="default: today (the server's)")


def _parse(serializer_class: type[serializers.Serializer], payload: dict[str, Any]) -> dict[str, Any]:
    serializer = serializer_class(data=payload)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _contribution(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
    data = _parse(ContributionCommand, payload)
    membership = selectors.membership_of(user=request.user, pk=data["membership"])
    existed = selectors.contribution_exists(membership=membership, year=data["year"], month=data["month"])
    contribution = funds.contribution_record(by=request.user, membership=membership, year=data["year"],
                                             month=data["month"], amount=data.get("amount"),
                                             paid_on=data.get("paid_on") or timezone.localdate())
    return dict(s.ContributionSerializer(contribution).data), not existed


def _repayment(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
    data = _parse(RepaymentCommand, payload)
    loan = selectors.loan_of(user=request.user, pk=data["loan"])
    repayment = funds.loan_repay(by=request.user, loan=loan, amount=data["amount"], idempotency_key=key,
                                 paid_on=data.get("paid_on") or timezone.localdate())
    return dict(s.RepaymentSerializer(repayment).data), True


def _withdrawal(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
    data = _parse(WithdrawalCommand, payload)
    membership = selectors.membership_of(user=request.user, pk=data["membership"])
    movement = funds.withdrawal_record(by=request.user, membership=membership, amount=data["amount"],
                                       idempotency_key=key,
                                       occurred_on=data.get("occurred_on") or timezone.localdate())
    return dict(s.WithdrawalSerializer(movement).data), True


def _sale(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
    data = _parse(SaleCommand, payload)
    application = selectors.booth_of(user=request.user, pk=data["booth"])
    sale = market.sale_record(by=request.user, application=application, method=data["method"],
                              lines=sale_lines(application, data["lines"]), idempotency_key=key)
    return dict(s.SaleSerializer(sale).data), True


def _reverser(find: Callable[..., Any], reverse: Callable[..., Any], argument: str,
              serializer: type[serializers.Serializer]) -> Callable[[Request, dict[str, Any], str],
                                                                 tuple[dict[str, Any], bool]]:
    """A reversal command: the record looked up in the user's scope, reversed by the funds' own service (which
    holds every rule: who may, the closed meeting's separation of duties, the latest repayment only)."""
    def handle(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
        data = _parse(ReverseCommand, payload)
        record = find(user=request.user, pk=data["record"])
        before = fund_selectors.reversed_on(record)
        reverse(by=request.user, reason=data["reason"], **{argument: record})
        record.reversed_on = before or fund_selectors.reversed_on(record)
        return dict(serializer(record).data), before is None
    return handle


def _meeting_close(request: Request, payload: dict[str, Any], key: str) -> tuple[dict[str, Any], bool]:
    data = _parse(MeetingCloseCommand, payload)
    fund = fund_selectors.fund_get(user=request.user, pk=data["fund"])
    existed = fund_selectors.meeting_closed(fund=fund, year=data["year"], month=data["month"]) is not None
    close = funds.meeting_close(by=request.user, fund=fund, year=data["year"], month=data["month"],
                                held_on=data.get("held_on") or timezone.localdate())
    return {"fund": fund.pk, "year": close.year, "month": close.month, "held_on": close.held_on.isoformat(),
            "summary": close.summary}, not existed


HANDLERS: dict[str, tuple[str, Callable[[Request, dict[str, Any], str], tuple[dict[str, Any], bool]]]] = {
    "contribution.record": (Scope.FUNDS_WRITE, _contribution),
    "repayment.record": (Scope.FUNDS_WRITE, _repayment),
    "withdrawal.record": (Scope.FUNDS_WRITE, _withdrawal),
    "sale.record": (Scope.SALES_WRITE, _sale),
    "contribution.reverse": (Scope.FUNDS_WRITE, _reverser(fund_selectors.contribution_get, funds.contribution_reverse,
                                                          "contribution", s.ContributionSerializer)),
    "repayment.reverse": (Scope.FUNDS_WRITE, _reverser(fund_selectors.repayment_get, funds.repayment_reverse,
                                                       "repayment", s.RepaymentSerializer)),
    "withdrawal.reverse": (Scope.FUNDS_WRITE, _reverser(fund_selectors.withdrawal_get, funds.withdrawal_reverse,
                                                        "movement", s.WithdrawalSerializer)),
    "meeting.close": (Scope.FUNDS_WRITE, _meeting_close),
}


def _refused(command_id: Any, detail: str, field: str | None = None) -> dict[str, Any]:
    return {"id": str(command_id), "status": "refused", "result": None, "detail": detail, "field": field}


def _done(command_id: Any, state: str, result: dict[str, Any], detail: str | None = None) -> dict[str, Any]:
    return {"id": str(command_id), "status": state, "result": result, "detail": detail, "field": None}


def apply_command(request: Request, raw: Any) -> dict[str, Any]:
    """Apply one command in its own transaction and say what became of it."""
    given = raw.get("id") if isinstance(raw, dict) else None
    shape = s.CommandInput(data=raw if isinstance(raw, dict) else {})
    if not shape.is_valid():
        first = _flatten(shape.errors)[0]
        return _refused(given or "", first["detail"], first["field"])
    command_id, kind, payload = (shape.validated_data["id"], shape.validated_data["type"],
                                 shape.validated_data["payload"])
    scope, handler = HANDLERS[kind]
    if scope not in principal_of(request).scopes:
        return _refused(command_id, _("This token lacks the scope “%(scope)s”.") % {"scope": scope})
    mark = hashlib.sha256(json.dumps([kind, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                     default=str).encode()).hexdigest()
    key = "cmd:" + hashlib.sha256(f"{request.user.pk}\n{command_id}".encode()).hexdigest()[:40]
    try:
        with transaction.atomic():
            applied = AppliedCommand.objects.filter(actor=request.user, command_id=command_id).first()
            if applied is not None:
                if applied.fingerprint != mark:
                    return _refused(command_id, _("A different command with this id was already applied; give a "
                                                  "new command a new id."), "id")
                return _done(command_id, "already_applied", applied.result)
            try:
                with transaction.atomic():
                    result, fresh = handler(request, payload, key)
            except DomainError as error:
                return _refused(command_id, str(error.message), error.field)
            except exceptions.ValidationError as error:
                first = _flatten(error.detail)[0]
                return _refused(command_id, first["detail"], first["field"])
            except (Http404, PermissionDenied):
                return _refused(command_id, _("Not found, or not yours to record."))
            AppliedCommand.objects.create(actor=request.user, command_id=command_id, type=kind, fingerprint=mark,
                                          result=result, applied_at=timezone.now())
    except IntegrityError:
        # The same command arrived from a second connection at the same moment and was applied there.
        applied = AppliedCommand.objects.filter(actor=request.user, command_id=command_id).first()
        if applied is None:
            raise
        return _done(command_id, "already_applied", applied.result)
    if not fresh:
        return _done(command_id, "already_applied", result, _("This was already recorded."))
    return _done(command_id, "applied", result)


class Batch(generics.GenericAPIView):
    """Apply a device's offline commands, each at most once and in its own transaction; at most 500 a batch."""

    serializer_class = s.BatchResult
    write_scope = None  # each command's own scope is checked with it

    @extend_schema(request=s.BatchInput, responses={200: s.BatchResult}, parameters=[KEY_PARAM])
    @idempotent_batch
    def post(self, request: Request) -> Response:
        commands = request.data.get("commands") if isinstance(request.data, dict) else None
        if not isinstance(commands, list) or not commands:
            raise exceptions.ValidationError({"commands": [_("Send the commands as a non-empty list.")]})
        if len(commands) > MAX_COMMANDS:
            raise too_many(MAX_COMMANDS)
        results = [apply_command(request, raw) for raw in commands]
        counts = {state: sum(1 for r in results if r["status"] == state)
                  for state in ("applied", "already_applied", "refused")}
        return Response({**counts, "results": results})
