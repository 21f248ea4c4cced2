"""Serializers shared by every module's API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class MoneySerializer(serializers.Serializer):
    """Money everywhere in the API: `{"amount": 1999, "currency": "EUR"}`."""

    amount = serializers.IntegerField(help_text="Integer minor units (cents for EUR).")
    currency = serializers.CharField(help_text="ISO 4217 code.")


def money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


class MoneyField(serializers.Field):
    """Read-only Money from an integer attribute (`source`) and a currency attribute path
    (`currency="order.currency"`): the shape v1's bare-integer amounts gained beside them."""

    def __init__(self, *, currency: str = "currency", **kwargs):
        super().__init__(read_only=True, **kwargs)
        self.currency_path = currency.split(".")

    def get_attribute(self, instance):
        currency = instance
        for part in self.currency_path:
            currency = getattr(currency, part)
        return money(super().get_attribute(instance), currency)

    def to_representation(self, value):
        return value


MoneyField = extend_schema_field(MoneySerializer)(MoneyField)


def validated(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """The input serializer's validated data, or the 400 problem naming each field at fault: the
    one way a view parses its request (`validated(LineAddSerializer, request.data)`)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
