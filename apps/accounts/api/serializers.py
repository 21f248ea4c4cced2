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
