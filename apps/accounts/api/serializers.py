from rest_framework import serializers


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


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
