"""Serializers shared by every module's API."""

from rest_framework import serializers


class MoneySerializer(serializers.Serializer):
    """Money everywhere in the API: `{"amount": 1999, "currency": "EUR"}`."""

    amount = serializers.IntegerField(help_text="Integer minor units (cents for EUR).")
    currency = serializers.CharField(help_text="ISO 4217 code.")


def money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def validated(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """The input serializer's validated data, or the 400 problem naming each field at fault: the
    one way a view parses its request (`validated(LineAddSerializer, request.data)`)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
