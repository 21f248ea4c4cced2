from django_countries.serializer_fields import CountryField
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from apps.common.addresses import AddressInvalid, address_checked


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=8, required=False, help_text="Staff with an authenticator app: its current code."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Bearer <token>` (`Authorization: Token <token>` works too)."
    )
    expiry = serializers.DateTimeField(
        allow_null=True,
        help_text="When the token stops working unless used: each use extends it by 14 days, up to 90 days after sign-in.",
    )


class PasswordField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=128, trim_whitespace=False, style={"input_type": "password"}, **kwargs)


class SignUpSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = PasswordField(
        help_text="Checked by the password validators: at least 8 characters, not common, not all digits, not like the email."
    )


class AcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()
    pending_email = serializers.EmailField(
        allow_blank=True, help_text="A new address awaiting verification ('' when none)."
    )
    date_joined = serializers.DateTimeField()


class TokenOnlySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000, help_text="The `token` parameter of the emailed link.")


class EmailOnlySerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `uid` parameter of the emailed link.")
    token = serializers.CharField(max_length=128, help_text="The `token` parameter of the emailed link.")
    new_password = PasswordField()


class PasswordChangeSerializer(serializers.Serializer):
    current_password = PasswordField()
    new_password = PasswordField()


class EmailChangeSerializer(serializers.Serializer):
    new_email = serializers.EmailField(max_length=254)
    current_password = PasswordField()


class AccountDeleteSerializer(serializers.Serializer):
    current_password = PasswordField()


class IsoCountryField(CountryField):
    """ISO 3166-1 alpha-2 as a string only: django-countries would also take a dict, and an
    empty one became an address without a country (found by the API fuzz test)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data) if isinstance(data, str) else ""
        if not value:
            self.fail("invalid_choice", input=data)
        return value


_CHECKED = ("country", "postal_code", "city", "line1")  # what apps.common.addresses reads


class SavedAddressSerializer(serializers.Serializer):
    """An address book entry. `country` is ISO 3166-1 alpha-2; `postal_code` is required where the
    country requires one, in its format (normalized: "n1 9gu" is saved as "N1 9GU"), as the
    checkout and POST /orders check it; `phone` is international (+…) and answered in E.164."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = IsoCountryField(help_text="ISO 3166-1 alpha-2, e.g. DE.")
    phone = PhoneNumberField(
        required=False, allow_blank=True, default="", help_text="International format, e.g. +447700900123."
    )
    is_default = serializers.BooleanField(required=False, default=False)
    created_at = serializers.DateTimeField(read_only=True)

    def validate(self, attrs: dict) -> dict:
        # The shared check (apps/common/addresses.py) on the address as it will be saved; a change
        # of name, phone or default alone is not checked, so an address saved before the check
        # stays editable.
        if self.instance is not None and not attrs.keys() & _CHECKED:
            return attrs
        merged = {name: str(attrs.get(name, getattr(self.instance, name, ""))) for name in _CHECKED}
        try:
            checked = address_checked(merged)
        except AddressInvalid as exc:
            detail = exc.detail
            if exc.field not in attrs:
                saved = merged[exc.field]
                detail = f"The saved {exc.field} {saved!r} does not fit: {detail} Send a corrected one too."
            raise serializers.ValidationError({exc.field: [ErrorDetail(detail, code=exc.code)]}) from None
        attrs["postal_code"] = checked["postal_code"]  # normalized
        return attrs

    def to_representation(self, instance):
        body = super().to_representation(instance)
        body["phone"] = str(instance.phone) if instance.phone else ""
        return body
