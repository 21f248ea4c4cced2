from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import tokens, two_factor
from apps.accounts.api.serializers import TokenObtainSerializer, TokenSerializer
from apps.accounts.auth import ApiTokenAuthentication
from apps.accounts.throttles import THROTTLES
from apps.common.openapi import problem_responses
from apps.common.serializers import validated


class TokenObtainView(APIView):
    """Sign in: exchange email + password for a new API token (one per device)."""

    permission_classes = [AllowAny]
    # Declared so a failed login answers 401 with a `WWW-Authenticate` challenge, not 403.
    authentication_classes = [ApiTokenAuthentication]
    throttle_classes = THROTTLES
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_obtain",
        request=TokenObtainSerializer,
        responses={
            200: OpenApiResponse(TokenSerializer, description="A new API token for this device."),
            **problem_responses(400, 401, 415, 429),
        },
        examples=[
            OpenApiExample(
                "Signed in",
                response_only=True,
                value={"token": "9f2c4e…64 hex characters…", "expiry": "2026-12-15T09:30:00Z"},
            )
        ],
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        credentials = dict(validated(TokenObtainSerializer, request.data))
        otp_token = credentials.pop("otp_token", "")
        user = authenticate(request, **credentials)
        if user is None:
            raise exceptions.AuthenticationFailed("Email or password is incorrect.")
        if user.is_staff:
            two_factor.api_sign_in_check(user=user, otp_token=otp_token)
        token, expiry = tokens.token_issue(user=user)
        return Response(TokenSerializer({"token": token, "expiry": expiry}).data, status=status.HTTP_200_OK)


class LogoutView(APIView):
    """Sign this device out: the token sent with the request stops working."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        request=None,
        responses={204: OpenApiResponse(description="Signed out."), **problem_responses(401)},
        tags=["auth"],
    )
    def post(self, request):
        tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Sign out everywhere: every token of the account stops working."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        request=None,
        responses={204: OpenApiResponse(description="Every device signed out."), **problem_responses(401)},
        tags=["auth"],
    )
    def post(self, request):
        tokens.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
