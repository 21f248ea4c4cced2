"""The signed-in customer's address book."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts import addresses
from apps.accounts.api.customer_views import SignedIn
from apps.accounts.api.serializers import SavedAddressSerializer
from apps.accounts.models import Address
from apps.common.openapi import problem_responses
from apps.common.serializers import validated

TAGS = ["addresses"]
EXAMPLE = OpenApiExample(
    "A London address",
    value={
        "name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "city": "London",
        "postal_code": "N1 9GU",
        "country": "GB",
        "phone": "+447700900123",
        "is_default": True,
    },
    request_only=True,
)


def _fields(data: dict) -> dict:
    fields = dict(data)
    if "phone" in fields:
        fields["phone"] = fields["phone"] or ""
    return fields


class AddressListView(SignedIn):
    throttle_classes: list = []  # reads and writes of one's own book: the general limits apply

    @extend_schema(
        operation_id="addresses_list",
        summary="Your addresses, the default first",
        responses={200: SavedAddressSerializer(many=True), **problem_responses(401)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(SavedAddressSerializer(Address.objects.filter(account=request.user), many=True).data)

    @extend_schema(
        operation_id="addresses_create",
        summary="Add an address (the first one becomes the default)",
        request=SavedAddressSerializer,
        responses={201: SavedAddressSerializer, **problem_responses(400, 401, 409, 415)},
        examples=[EXAMPLE],
        tags=TAGS,
    )
    def post(self, request):
        payload = validated(SavedAddressSerializer, request.data)
        address = addresses.address_create(user=request.user, **_fields(payload))
        return Response(SavedAddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(SignedIn):
    throttle_classes: list = []

    def _address(self, request, address_id: int) -> Address:
        return get_object_or_404(Address, pk=address_id, account=request.user)

    @extend_schema(
        operation_id="addresses_retrieve",
        responses={200: SavedAddressSerializer, **problem_responses(401, 404)},
        tags=TAGS,
    )
    def get(self, request, address_id: int):
        return Response(SavedAddressSerializer(self._address(request, address_id)).data)

    @extend_schema(
        operation_id="addresses_update",
        summary="Change an address (send only the fields to change); `is_default: true` makes it the default",
        request=SavedAddressSerializer(partial=True),
        responses={200: SavedAddressSerializer, **problem_responses(400, 401, 404, 415)},
        tags=TAGS,
    )
    def patch(self, request, address_id: int):
        address = self._address(request, address_id)
        payload = validated(SavedAddressSerializer, request.data, instance=address, partial=True)
        address = addresses.address_update(address=address, **_fields(payload))
        return Response(SavedAddressSerializer(address).data)

    @extend_schema(
        operation_id="addresses_delete",
        summary="Delete an address (if it was the default, the oldest remaining one becomes it)",
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **problem_responses(401, 404)},
        tags=TAGS,
    )
    def delete(self, request, address_id: int):
        addresses.address_delete(address=self._address(request, address_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
