"""Staff (finance) payment endpoints and provider webhooks."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.idempotency import idempotent
from apps.common.openapi import IDEMPOTENCY_KEY, problem_responses
from apps.common.problems import Problem
from apps.common.serializers import validated
from apps.payments import selectors, services
from apps.payments.api.serializers import (
    CaptureSerializer,
    PaymentSerializer,
    RefundCreateSerializer,
    WebhookAckSerializer,
)
from apps.payments.models import Payment
from apps.payments.providers import get_provider
from apps.payments.providers.base import InvalidWebhook, UnreadableWebhook

TAGS = ["payments"]


class PaymentDetailView(APIView):
    @extend_schema(
        operation_id="payments_retrieve",
        summary="A payment (staff: payments.view_payment)",
        responses={200: PaymentSerializer, **problem_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request, payment_id):
        _require_perm(request, "payments.view_payment")
        return Response(PaymentSerializer(_payment(payment_id)).data)


class PaymentCaptureView(APIView):
    @extend_schema(
        operation_id="payments_capture",
        summary="Capture an authorized payment (staff: payments.capture_payment)",
        request=CaptureSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: PaymentSerializer,
            **problem_responses(400, 401, 402, 403, 404, 409, 415, 422, 500, 503),
        },
        tags=TAGS,
    )
    @idempotent
    def post(self, request, payment_id):
        _require_perm(request, "payments.capture_payment")
        payload = validated(CaptureSerializer, request.data)
        payment = _payment(payment_id)
        payment = services.payment_capture(
            payment_id=payment.pk,
            amount=payload.get("amount"),
            idempotency_key=f"api:{request.user.pk}:{request.headers['Idempotency-Key']}",
            actor=request.user.email,
        )
        return Response(PaymentSerializer(payment).data)


class PaymentRefundView(APIView):
    @extend_schema(
        operation_id="payments_refund",
        summary="Refund part or all of a captured payment (staff: payments.refund_payment)",
        request=RefundCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PaymentSerializer,
            **problem_responses(400, 401, 402, 403, 404, 409, 415, 422, 500, 503),
        },
        tags=TAGS,
    )
    @idempotent
    def post(self, request, payment_id):
        _require_perm(request, "payments.refund_payment")
        payload = validated(RefundCreateSerializer, request.data)
        payment = _payment(payment_id)
        payment = services.payment_refund(
            payment_id=payment.pk,
            idempotency_key=f"api:{request.user.pk}:{request.headers['Idempotency-Key']}",
            actor=request.user.email,
            **payload,
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class ProviderWebhookView(APIView):
    """Signed callbacks from a payment provider; each provider event is applied once."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # the signature is the authentication

    @extend_schema(
        operation_id="payments_webhook",
        summary="Provider callback (signed by the provider)",
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={200: WebhookAckSerializer, **problem_responses(400, 404)},
        auth=[],
        tags=TAGS,
    )
    def post(self, request, provider):
        try:
            adapter = get_provider(provider)
        except LookupError:
            raise exceptions.NotFound(f"No payment provider {provider!r} is enabled.") from None
        try:
            # The raw bytes: a signature covers the body exactly as sent.
            event = adapter.parse_webhook(body=request.body, headers=request.headers)
        except InvalidWebhook as exc:
            raise Problem(status=400, slug="invalid-signature", detail=str(exc)) from None
        except UnreadableWebhook as unreadable:
            # Signed, so it is the provider's: kept for staff and acknowledged (a refusal would only
            # make the provider send the same body again for days).
            services.provider_webhook_park(provider=provider, body=request.body, problem=unreadable)
            return Response(WebhookAckSerializer({"received": True, "applied": False, "parked": True}).data)
        applied = event is not None and services.provider_event_apply(provider=provider, event=event)
        return Response(WebhookAckSerializer({"received": True, "applied": applied, "parked": False}).data)


def _require_perm(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise exceptions.PermissionDenied(f"This needs the {permission} permission.")


def _payment(payment_id) -> Payment:
    payment = selectors.payment_with_refunds(payment_id=payment_id)
    if payment is None:
        raise exceptions.NotFound("No such payment.")
    return payment
