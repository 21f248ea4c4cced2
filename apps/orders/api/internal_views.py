"""Orders' internal API for services deployed on their own (notifications): how to reach the
person an order ships to (personal data stays out of events, so it is asked for here), and whose
order it is (for an order notifications has not seen an event of)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.common.internal_api import InternalView
from apps.common.openapi import problem_responses
from apps.common.problems import Problem
from apps.orders.selectors import order_contact


class OrderContactSerializer(serializers.Serializer):
    number = serializers.CharField()
    phone = serializers.CharField(help_text="E.164, or '' when the customer gave none.", allow_blank=True)
    customer_id = serializers.IntegerField(allow_null=True, help_text="null for a guest's order.")
    email = serializers.CharField(
        allow_blank=True,
        help_text="A guest's order: the address given at checkout, for the order's own emails ('' once "
        "erased). A customer's order: '' (the account has the current address).",
    )


class InternalOrderContactView(InternalView):
    callers = ("notifications",)

    @extend_schema(
        operation_id="internal_order_contact",
        summary="An order's number, customer, shipping phone and a guest's email (service-to-service)",
        description="For a module deployed on its own that texts and emails the customer (notifications).",
        responses={200: OrderContactSerializer, **problem_responses(401, 403, 404)},
        tags=["internal"],
    )
    def get(self, request, order_id):
        try:
            contact = order_contact(order_id=str(order_id))
        except LookupError:
            raise Problem(status=404, slug="not-found", detail=f"No order {order_id}.") from None
        body = {
            "number": contact.number,
            "phone": contact.phone,
            "customer_id": contact.customer_id,
            "email": contact.email,
        }
        return Response(OrderContactSerializer(body).data)
