from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.accounts.api.serializers import TokenObtainSerializer, TokenSerializer
from apps.accounts.services import token_issue
from apps.common.openapi import problem_responses


class TokenObtainView(APIView):
    """Exchange email + password for the account's API token."""

    permission_classes = [AllowAny]
    # Declared so a failed login answers 401 with `WWW-Authenticate: Token`, not 403.
    authentication_classes = [TokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_obtain",
        request=TokenObtainSerializer,
        responses={
            200: OpenApiResponse(TokenSerializer, description="The account's API token."),
            **problem_responses(400, 401, 415, 429),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        credentials = TokenObtainSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request, **credentials.validated_data)
        if user is None:
            raise exceptions.AuthenticationFailed("Email or password is incorrect.")
        return Response(TokenSerializer({"token": token_issue(user=user)}).data, status=status.HTTP_200_OK)
