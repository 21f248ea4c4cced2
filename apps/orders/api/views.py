"""Storefront and staff order endpoints: parse, call one service, answer with OrderSerializer."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.contracts import AddressNotFound
from apps.accounts.public import address_get
from apps.common.addresses import AddressInvalid, address_checked, saved_address_detail
from apps.common.idempotency import idempotent
from apps.common.openapi import IDEMPOTENCY_KEY, problem_responses
from apps.common.pagination import CursorPagination
from apps.common.serializers import validated
from apps.events.public import shed_when_backed_up
from apps.orders import services
from apps.orders.api.serializers import (
    REFUNDED_STATUSES,
    OrderCancelSerializer,
    OrderCreateSerializer,
    OrderPageSerializer,
    OrderSerializer,
    OrderShipSerializer,
)
from apps.orders.contracts import (
    Actor,
    Customer,
    LineRequest,
)
from apps.orders.selectors import order_visible_to, orders_visible_to
from apps.payments.public import refunds_of

TAGS = ["orders"]


class OrderListCreateView(APIView):
    @extend_schema(
        operation_id="orders_create",
        summary="Place an order",
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(OrderSerializer, description="Placed: payment authorized, stock committed."),
            **problem_responses(400, 401, 402, 409, 415, 422, 500, 503),
        },
        tags=TAGS,
    )
    @shed_when_backed_up
    @idempotent
    def post(self, request):
        data = validated(OrderCreateSerializer, request.data)
        if "shipping_address_id" in data:
            data["shipping_address"] = _saved_address(request.user.pk, data["shipping_address_id"])
        order = services.order_create(
            customer=Customer(request.user.pk, request.user.email),
            idempotency_key=request.headers["Idempotency-Key"],
            lines=[LineRequest(line["sku"], line["quantity"]) for line in data["lines"]],
            shipping_address=data["shipping_address"],
            payment_provider=data["payment"]["provider"],
            payment_method=data["payment"]["method"],
        )
        return Response(
            OrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        operation_id="orders_list",
        summary="Your orders, newest first",
        parameters=[
            OpenApiParameter("cursor", str, description="Opaque cursor from `next` or `previous`."),
            OpenApiParameter("limit", int, description="Page size, at most 100 (default 20)."),
        ],
        responses={200: OrderPageSerializer, **problem_responses(400, 401)},
        tags=TAGS,
    )
    def get(self, request):
        paginator = CursorPagination()
        page = paginator.paginate_queryset(orders_visible_to(request.user), request, view=self)
        refunded = [str(o.payment_id) for o in page if o.payment_status in REFUNDED_STATUSES]
        context = {"request": request, "refunds": refunds_of(payment_ids=refunded) if refunded else {}}
        return paginator.get_paginated_response(OrderSerializer(page, many=True, context=context).data)


def _saved_address(account_id: int, address_id: int) -> dict:
    """The address book entry as the order keeps it (a checked copy: later edits do not change the
    order)."""
    try:
        address = address_get(account_id=account_id, address_id=address_id)
    except AddressNotFound:
        raise serializers.ValidationError(
            {
                "shipping_address_id": [
                    ErrorDetail("You have no saved address with this id.", code="not_found")
                ]
            }
        ) from None
    copy = {
        field: getattr(address, field)
        for field in ("name", "line1", "line2", "city", "postal_code", "country", "phone")
    }
    copy |= {"region": address.region} if address.region else {}
    try:
        return address_checked(copy)
    except AddressInvalid as exc:  # saved before the book checked postal codes
        raise serializers.ValidationError(
            {
                "shipping_address_id": [
                    ErrorDetail(saved_address_detail(address_id, exc), code="saved_address_invalid")
                ]
            }
        ) from None


class OrderDetailView(APIView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="One of your orders",
        responses={200: OrderSerializer, **problem_responses(401, 404)},
        tags=TAGS,
    )
    def get(self, request, order_id):
        return Response(OrderSerializer(_order(request, order_id), context={"request": request}).data)


class OrderCancelView(APIView):
    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order while it has not shipped",
        description="Customers cancel their own orders; staff need the `orders.cancel_order` permission. "
        "The payment is voided (or refunded if captured) and the stock returned.",
        request=OrderCancelSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: OrderSerializer, **problem_responses(400, 401, 403, 404, 409, 415, 422, 503)},
        tags=TAGS,
    )
    @shed_when_backed_up
    @idempotent
    def post(self, request, order_id):
        payload = validated(OrderCancelSerializer, request.data)
        order = _order(request, order_id)
        is_staff_action = order.customer_id != request.user.pk
        if is_staff_action and not request.user.has_perm("orders.cancel_order"):
            raise exceptions.PermissionDenied(
                "Cancelling another customer's order needs orders.cancel_order."
            )
        services.order_cancel(
            order=order,
            actor=Actor.of(request.user, staff=is_staff_action),
            reason=payload["reason"],
        )
        return Response(OrderSerializer(order, context={"request": request}).data)


class OrderShipView(APIView):
    @extend_schema(
        operation_id="orders_ship",
        summary="Mark an order shipped (staff: orders.ship_order)",
        description="A placed order whose payment is not captured yet is captured first.",
        request=OrderShipSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OrderSerializer,
            **problem_responses(400, 401, 402, 403, 404, 409, 415, 422, 500, 503),
        },
        tags=TAGS,
    )
    @idempotent
    def post(self, request, order_id):
        _require_fulfilment(request, "Shipping")
        payload = validated(OrderShipSerializer, request.data)
        order = _order(request, order_id)
        services.order_ship(order=order, actor=Actor.of(request.user, staff=True), **payload)
        return Response(OrderSerializer(order, context={"request": request}).data)


class OrderDeliverView(APIView):
    @extend_schema(
        operation_id="orders_deliver",
        summary="Mark a shipped order delivered (staff: orders.ship_order)",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: OrderSerializer, **problem_responses(400, 401, 403, 404, 409, 422, 503)},
        tags=TAGS,
    )
    @idempotent
    def post(self, request, order_id):
        _require_fulfilment(request, "Marking delivered")
        order = _order(request, order_id)
        services.order_deliver(order=order, actor=Actor.of(request.user, staff=True))
        return Response(OrderSerializer(order, context={"request": request}).data)


def _require_fulfilment(request, what: str) -> None:
    if not request.user.has_perm("orders.ship_order"):
        raise exceptions.PermissionDenied(f"{what} needs the orders.ship_order permission.")


def _order(request, order_id):
    order = order_visible_to(request.user, order_id)
    if order is None:
        raise exceptions.NotFound("No such order.")
    return order
