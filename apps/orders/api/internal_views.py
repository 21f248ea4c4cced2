"""Orders' internal API for services deployed on their own (notifications): how to reach the
person an order ships to. Personal data stays out of events, so it is asked for here."""

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


class InternalOrderContactView(InternalView):
    @extend_schema(
        operation_id="internal_order_contact",
        summary="The shipping contact phone of an order (service-to-service)",
        description="For a module deployed on its own that texts the customer (notifications).",
        responses={200: OrderContactSerializer, **problem_responses(401, 404)},
        tags=["internal"],
    )
    def get(self, request, order_id):
        try:
            contact = order_contact(order_id=str(order_id))
        except LookupError:
            raise Problem(status=404, slug="not-found", detail=f"No order {order_id}.") from None
        return Response(OrderContactSerializer({"number": contact.number, "phone": contact.phone}).data)
