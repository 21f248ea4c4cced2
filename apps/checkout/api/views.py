"""Storefront checkout endpoints: parse, call one service, answer with the checkout fully priced."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.checkout import services
from apps.checkout.api.auth import CheckoutTokenAuthentication, GuestPrincipal
from apps.checkout.api.presenters import checkout_body, completed_body, option_body
from apps.checkout.api.serializers import (
    CheckoutCompleteSerializer,
    CheckoutCreatedSerializer,
    CheckoutCreateSerializer,
    CheckoutSerializer,
    CheckoutUpdateSerializer,
    LineAddSerializer,
    LineQuantitySerializer,
    ShippingMethodChoiceSerializer,
    ShippingOptionSerializer,
    VoucherApplySerializer,
)
from apps.checkout.contracts import CheckoutClosed, PriceChanged
from apps.checkout.models import Checkout, CheckoutStatus
from apps.checkout.selectors import checkout_for, quote
from apps.common.idempotency import idempotent
from apps.common.openapi import IDEMPOTENCY_KEY, problem_responses
from apps.common.problems import problem_of
from apps.common.serializers import validated
from apps.events.public import shed_when_backed_up
from apps.orders.public import order_status

TAGS = ["checkout"]
EXAMPLE = {
    "id": "3f1c2a9e-5b7d-4e21-9c0a-1d2e3f4a5b6c",
    "status": "open",
    "guest": False,
    "email": "ada@example.com",
    "currency": "EUR",
    "lines": [
        {
            "sku": "MUG-BLUE",
            "name": "Blue mug",
            "quantity": 2,
            "unit_price": {"amount": 1190, "currency": "EUR"},
            "line_total": {"amount": 2380, "currency": "EUR"},
            "discount": {"amount": 238, "currency": "EUR"},
            "tax": {"amount": 342, "currency": "EUR"},
            "tax_rate": "19.00",
        }
    ],
    "shipping_address": {
        "name": "Ada Lovelace",
        "line1": "Unter den Linden 1",
        "line2": "",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
        "phone": "",
    },
    "billing_address": None,
    "shipping_method": {
        "id": 1,
        "name": "DHL Paket",
        "delivery_time": "2-3 working days",
        "price": {"amount": 490, "currency": "EUR"},
    },
    "voucher_code": "WELCOME10",
    "weight_grams": 700,
    "totals": {
        "subtotal": {"amount": 2380, "currency": "EUR"},
        "discount": {"amount": 238, "currency": "EUR"},
        "shipping": {"amount": 490, "currency": "EUR"},
        "tax": {"amount": 420, "currency": "EUR"},
        "total": {"amount": 2632, "currency": "EUR"},
        "prices_include_tax": True,
    },
    "problems": [],
    "ready": True,
    "order": None,
    "expires_at": "2026-12-08T09:00:00Z",
}
EXAMPLES = [OpenApiExample("A checkout ready to complete", value=EXAMPLE, response_only=True)]
NOT_READY = OpenApiExample(
    "Out of stock, no shipping method",
    response_only=True,
    value=EXAMPLE
    | {
        "shipping_method": None,
        "ready": False,
        "problems": [
            {
                "code": "out_of_stock",
                "detail": "Only 1 of MUG-BLUE available, 2 in the checkout.",
                "pointer": "#/lines/0",
                "sku": "MUG-BLUE",
                "available": 1,
            },
            {
                "code": "shipping_method_required",
                "detail": "Pick a shipping method.",
                "pointer": "#/shipping_method",
            },
        ],
    },
)
# What POST /checkouts answers: an empty checkout (a guest's here).
CREATED = EXAMPLE | {
    "guest": True,
    "lines": [],
    "shipping_address": None,
    "shipping_method": None,
    "voucher_code": None,
    "weight_grams": 0,
    "totals": {
        name: {"amount": 0, "currency": "EUR"}
        for name in ("subtotal", "discount", "shipping", "tax", "total")
    }
    | {"prices_include_tax": True},
    "problems": [
        {"code": "empty", "detail": "The checkout has no lines.", "pointer": "#/lines"},
        {
            "code": "shipping_address_required",
            "detail": "Set a shipping address.",
            "pointer": "#/shipping_address",
        },
    ],
    "ready": False,
    "guest_token": "q8Zr…",
}
# The shop's account tokens (whatever settings name), or a guest's checkout token.
AUTH = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, CheckoutTokenAuthentication]


# Base: token or guest-token authentication, the caller's own checkout, answers priced (a comment,
# not a docstring: drf-spectacular would print it as every operation's description).
class CheckoutView(APIView):
    authentication_classes = AUTH

    def checkout(self, request, checkout_id) -> Checkout:
        checkout = checkout_for(checkout_id=checkout_id, principal=request.user)
        if checkout is None:
            raise exceptions.NotFound("No such checkout.")
        return checkout

    def priced(self, checkout: Checkout, *, status_code: int = 200, **extra) -> Response:
        if checkout.status == CheckoutStatus.COMPLETED:
            if checkout.charged is None:  # completed before checkouts kept what they charged
                raise CheckoutClosed(checkout.status, str(checkout.order_id))
            status = order_status(order_id=str(checkout.order_id))
            return Response(completed_body(checkout, order_status=status), status=status_code)
        current = quote(checkout)
        services.quote_shown(current)
        return Response(checkout_body(current) | extra, status=status_code)


class CheckoutCreateView(CheckoutView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="checkouts_create",
        summary="Start a checkout (a customer's, or a guest's with an email)",
        description="Signed in (`Authorization: Bearer …`, or the older `Token …`): the customer's "
        "checkout. Anonymous: a guest checkout for `email`; the answer's `guest_token` is shown once and "
        "reaches it from then on.",
        request=CheckoutCreateSerializer,
        responses={201: CheckoutCreatedSerializer, **problem_responses(400, 401, 415)},
        examples=[
            OpenApiExample("A guest", value={"email": "ada@example.com"}, request_only=True),
            OpenApiExample("Created for a guest", value=CREATED, response_only=True),
        ],
        auth=[{"bearerAuth": []}, {"tokenAuth": []}, {}],
        tags=TAGS,
    )
    def post(self, request):
        data = validated(CheckoutCreateSerializer, request.data)
        email = data.get("email")
        user = request.user
        if isinstance(user, GuestPrincipal):
            raise exceptions.PermissionDenied(
                "A guest token reaches its own checkout only; start anonymously."
            )
        if user.is_authenticated:
            checkout, token = services.checkout_create(email=email or user.email, customer_id=user.pk)
        elif email is None:
            raise exceptions.ValidationError({"email": ["A guest checkout needs an email."]}, code="required")
        else:
            checkout, token = services.checkout_create(email=email, customer_id=None)
        return self.priced(checkout, status_code=status.HTTP_201_CREATED, guest_token=token or None)


class CheckoutDetailView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_retrieve",
        summary="A checkout: open, priced from the catalog's current prices; completed, what was charged",
        description="An open checkout is priced now, with the `problems` that block it. A completed one "
        "shows what was charged (lines, shipping and totals as the order was placed, never re-priced), "
        "no problems, and `order` with its number and current status: a guest's record of its order "
        "(a guest token does not reach `/orders`). It stays readable after `expires_at` would have passed. "
        "409 `checkout-completed` (with `order_id`) for one completed before checkouts kept what they charged.",
        responses={200: CheckoutSerializer, **problem_responses(401, 404, 409)},
        examples=[*EXAMPLES, NOT_READY],
        tags=TAGS,
    )
    def get(self, request, checkout_id):
        return self.priced(self.checkout(request, checkout_id))

    @extend_schema(
        operation_id="checkouts_update",
        summary="Change the email, the shipping address or the billing address",
        description="Addresses are checked against their country's rules: an ISO 3166-1 country, and "
        "a postal code in the country's format where it uses one. A customer may give a saved address "
        "instead (`shipping_address_id`, `billing_address_id`); it is copied into the checkout. An id "
        "that is not one of the caller's saved addresses is a 400 naming the field.",
        request=CheckoutUpdateSerializer,
        responses={200: CheckoutSerializer, **problem_responses(400, 401, 404, 409, 415)},
        examples=[
            OpenApiExample(
                "Shipping address",
                request_only=True,
                value={"shipping_address": EXAMPLE["shipping_address"], "billing_address": None},
            ),
            OpenApiExample(
                "Saved addresses",
                request_only=True,
                value={"shipping_address_id": 7, "billing_address_id": 8},
            ),
            *EXAMPLES,
        ],
        tags=TAGS,
    )
    def patch(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        data = validated(CheckoutUpdateSerializer, request.data)
        checkout = services.details_set(
            checkout=checkout,
            email=data.get("email"),
            shipping_address=data.get("shipping_address"),
            billing_address=data.get("billing_address"),
            billing_same_as_shipping="billing_address" in data and data["billing_address"] is None,
            shipping_address_id=data.get("shipping_address_id"),
            billing_address_id=data.get("billing_address_id"),
        )
        return self.priced(checkout)


class CheckoutLinesView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_lines_add",
        summary="Add a SKU (to its line, if the checkout has one)",
        request=LineAddSerializer,
        responses={200: CheckoutSerializer, **problem_responses(400, 401, 404, 409, 415)},
        examples=[
            OpenApiExample("Two mugs", value={"sku": "MUG-BLUE", "quantity": 2}, request_only=True),
            *EXAMPLES,
        ],
        tags=TAGS,
    )
    def post(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        data = validated(LineAddSerializer, request.data)
        checkout = services.line_add(checkout=checkout, **data)
        return self.priced(checkout)


class CheckoutLineView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_lines_update",
        summary="Change a line's quantity",
        request=LineQuantitySerializer,
        responses={200: CheckoutSerializer, **problem_responses(400, 401, 404, 409, 415)},
        examples=EXAMPLES,
        tags=TAGS,
    )
    def patch(self, request, checkout_id, sku):
        checkout = self.checkout(request, checkout_id)
        data = validated(LineQuantitySerializer, request.data)
        checkout = services.line_set(checkout=checkout, sku=sku, quantity=data["quantity"])
        return self.priced(checkout)

    @extend_schema(
        operation_id="checkouts_lines_remove",
        summary="Remove a line",
        request=None,
        responses={200: CheckoutSerializer, **problem_responses(401, 404, 409)},
        examples=EXAMPLES,
        tags=TAGS,
    )
    def delete(self, request, checkout_id, sku):
        checkout = self.checkout(request, checkout_id)
        checkout = services.line_remove(checkout=checkout, sku=sku)
        return self.priced(checkout)


class CheckoutShippingMethodsView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_shipping_methods",
        summary="The shipping methods that apply to the checkout's address and parcel, cheapest first",
        description="409 `checkout-completed` once the checkout is completed.",
        responses={200: ShippingOptionSerializer(many=True), **problem_responses(401, 404, 409)},
        # One item: the schema's list makes the example a list of it.
        examples=[OpenApiExample("A method", response_only=True, value=EXAMPLE["shipping_method"])],
        tags=TAGS,
    )
    def get(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        if checkout.status == CheckoutStatus.COMPLETED:
            raise CheckoutClosed(checkout.status, str(checkout.order_id))
        current = quote(checkout)
        return Response([option_body(o, current.checkout.currency) for o in current.options])


class CheckoutShippingMethodView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_shipping_method_set",
        summary="Pick a shipping method",
        request=ShippingMethodChoiceSerializer,
        responses={200: CheckoutSerializer, **problem_responses(400, 401, 404, 409, 415)},
        examples=EXAMPLES,
        tags=TAGS,
    )
    def put(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        data = validated(ShippingMethodChoiceSerializer, request.data)
        checkout = services.shipping_method_set(checkout=checkout, method_id=data["id"])
        return self.priced(checkout)


class CheckoutVoucherView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_voucher_apply",
        summary="Apply a voucher code",
        request=VoucherApplySerializer,
        responses={200: CheckoutSerializer, **problem_responses(400, 401, 404, 409, 415)},
        examples=[OpenApiExample("A code", value={"code": "WELCOME10"}, request_only=True), *EXAMPLES],
        tags=TAGS,
    )
    def put(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        data = validated(VoucherApplySerializer, request.data)
        checkout = services.voucher_apply(checkout=checkout, code=data["code"])
        return self.priced(checkout)

    @extend_schema(
        operation_id="checkouts_voucher_remove",
        summary="Remove the voucher",
        request=None,
        responses={200: CheckoutSerializer, **problem_responses(401, 404, 409)},
        examples=EXAMPLES,
        tags=TAGS,
    )
    def delete(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        checkout = services.voucher_remove(checkout=checkout)
        return self.priced(checkout)


class CheckoutCompleteView(CheckoutView):
    @extend_schema(
        operation_id="checkouts_complete",
        summary="Pay and place the order",
        description="Re-prices the checkout, checks the voucher, reserves stock, authorizes the total and "
        "places the order. 409 `price-changed` (with `checkout`, the new totals) when the total differs "
        "from the one last read: nothing is charged, and completing again accepts the new total. "
        "409 `checkout-not-ready` lists the `problems` (a voucher used up, by everyone or by this "
        "customer, expired or below its minimum is a `voucher_invalid` problem with its `reason`; a "
        "country without a tax rate is `tax_rate_missing`); 409 `voucher-unavailable` only when another "
        "order took the voucher's last use between that check and placement (the authorization is "
        "voided); 409 `checkout-completed` / `checkout-completing` for a checkout completed or being "
        "completed by another request. The 201 answer is the completed checkout: what was charged.",
        request=CheckoutCompleteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(CheckoutSerializer, description="Completed: `order` is the placed order."),
            **problem_responses(400, 401, 402, 404, 409, 415, 422, 503),
        },
        examples=[
            OpenApiExample(
                "Sandbox card",
                value={"payment": {"provider": "sandbox", "method": "pm_sandbox_ok"}},
                request_only=True,
            ),
            OpenApiExample(
                "Completed",
                response_only=True,
                value=EXAMPLE
                | {
                    "status": "completed",
                    "ready": False,
                    "order": {
                        "id": "9b2e0c4d-1f3a-5e6b-8c7d-0a1b2c3d4e5f",
                        "number": "2612-7K3Q-9M2X",
                        "status": "placed",
                    },
                    "expires_at": None,
                },
            ),
        ],
        tags=TAGS,
    )
    @shed_when_backed_up
    @idempotent
    def post(self, request, checkout_id):
        checkout = self.checkout(request, checkout_id)
        data = validated(CheckoutCompleteSerializer, request.data)
        payment = data["payment"]
        try:
            placed = services.checkout_complete(
                checkout=checkout,
                idempotency_key=request.headers["Idempotency-Key"],
                payment_provider=payment["provider"],
                payment_method=payment["method"],
            )
        except PriceChanged as exc:
            checkout.refresh_from_db()
            raise problem_of(exc, checkout=checkout_body(quote(checkout))) from exc
        return Response(completed_body(checkout, order_status=placed.status), status=status.HTTP_201_CREATED)
