from django_countries.serializer_fields import CountryField
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from apps.accounts.countries import WITHOUT_POSTAL_CODES


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


class SavedAddressSerializer(serializers.Serializer):
    """An address book entry. `country` is ISO 3166-1 alpha-2; `postal_code` is required unless the
    country has none; `phone` is international (+…) and answered in E.164."""

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
        country = attrs.get("country", getattr(self.instance, "country", ""))
        postal_code = attrs.get("postal_code", getattr(self.instance, "postal_code", ""))
        if country and not postal_code.strip() and str(country) not in WITHOUT_POSTAL_CODES:
            raise serializers.ValidationError(
                {
                    "postal_code": [
                        ErrorDetail(f"A postal code is required for addresses in {country}.", code="required")
                    ]
                }
            )
        return attrs

    def to_representation(self, instance):
        body = super().to_representation(instance)
        body["phone"] = str(instance.phone) if instance.phone else ""
        return body
