"""Serializers shared by every module's API."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail


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
    one way a view parses its request (`validated(LineAddSerializer, request.data)`).

    A top-level field the serializer does not take (`unknown_field`) or only answers
    (`read_only`) is a fault too, named beside the others: a misspelt field must not be dropped
    silently (`shiping_address` would leave the address unchanged and answer 200)."""
    serializer = serializer_class(data=data, **kwargs)
    valid = serializer.is_valid()
    errors = {} if valid else dict(serializer.errors)
    if isinstance(data, Mapping):
        errors |= _unknown_fields(serializer.fields, data)
    if errors:
        raise serializers.ValidationError(errors)
    return serializer.validated_data


def _unknown_fields(fields, data: Mapping) -> dict:
    writable = sorted(name for name, field in fields.items() if not field.read_only)
    errors = {}
    for name in data:
        if name in writable:
            continue
        if name in fields:
            detail = ErrorDetail(f"{name} is read-only: it is answered, not set.", code="read_only")
        else:
            taken = ", ".join(writable) or "no fields"
            detail = ErrorDetail(
                f"Unknown field {name!r}; this request takes: {taken}.", code="unknown_field"
            )
        errors[str(name)] = [detail]
    return errors
