"""Customer self-service: sign-up, email verification, password reset and change, email change,
deleting the account. Answers that could tell whether an address has an account are the same
either way (sign-up, reset request, email change)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.api import serializers as s
from apps.accounts.auth import ApiTokenAuthentication
from apps.accounts.throttles import THROTTLES, InvalidNotCounted
from apps.common.openapi import problem_responses
from apps.common.problems import Problem
from apps.common.serializers import validated

TAGS = ["accounts"]
SIGN_UP_ACCEPTED = "If the address can be registered, a verification link is on its way to it."
RESET_ACCEPTED = "If an account has this address, a reset link is on its way to it."
EMAIL_CHANGE_ACCEPTED = (
    "A verification link is on its way to the new address; until it is followed, the old one stays."
)


def accepted(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


@contextmanager
def field_problems(*, validated: str = "password", link_field: str = "token"):
    """The password validators' and the link checks' refusals as 400s pointing at the field."""
    try:
        yield
    except DjangoValidationError as exc:
        raise serializers.ValidationError(
            {validated: [ErrorDetail(e.messages[0], code=e.code or "invalid") for e in exc.error_list]}
        ) from exc
    except services.TokenProblem as exc:
        raise serializers.ValidationError({link_field: [ErrorDetail(str(exc), code=exc.code)]}) from exc


def check_password(request, password: str) -> None:
    if not request.user.check_password(password):
        raise serializers.ValidationError(
            {"current_password": [ErrorDetail("The current password is incorrect.", code="incorrect")]}
        )


def account_body(user) -> dict:
    return s.AccountSerializer(
        {
            "id": user.pk,
            "email": user.email,
            "email_verified": user.email_verified_at is not None,
            "pending_email": user.pending_email,
            "date_joined": user.date_joined,
        }
    ).data


class Public(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = THROTTLES


class SignedIn(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = THROTTLES
    throttle_scope = "account"


class SignUpView(InvalidNotCounted, Public):
    throttle_scope = "signup"

    @extend_schema(
        operation_id="accounts_sign_up",
        summary="Sign up with email and password",
        description="Creates an unverified account and emails a verification link. The answer is "
        "the same whether or not the address already has an account.",
        request=s.SignUpSerializer,
        responses={202: s.AcceptedSerializer, **problem_responses(400, 415, 429)},
        examples=[
            OpenApiExample(
                "Sign up",
                request_only=True,
                value={"email": "ada@example.com", "password": "correct horse battery staple"},
            )
        ],
        auth=[],
        tags=TAGS,
    )
    def post(self, request):
        data = validated(s.SignUpSerializer, request.data)
        with field_problems():
            services.customer_sign_up(**data)
        return accepted(SIGN_UP_ACCEPTED)


class EmailVerifyView(Public):
    throttle_scope = "verification"

    @extend_schema(
        operation_id="accounts_verify_email",
        summary="Verify an email address with the emailed link's token",
        description="Verifies the account's address, or switches to the new one after a change. "
        "Guest orders placed with the address then appear among the customer's orders.",
        request=s.TokenOnlySerializer,
        responses={200: s.AccountSerializer, **problem_responses(400, 409, 415, 429)},
        auth=[],
        tags=TAGS,
    )
    def post(self, request):
        data = validated(s.TokenOnlySerializer, request.data)
        with field_problems():
            user = services.email_verify(token=data["token"])
        return Response(account_body(user))


class EmailVerificationResendView(SignedIn):
    throttle_scope = "verification"

    @extend_schema(
        operation_id="accounts_verify_email_resend",
        summary="Send the verification link again",
        request=None,
        responses={202: s.AcceptedSerializer, **problem_responses(401, 409, 429)},
        tags=TAGS,
    )
    def post(self, request):
        if not services.email_verification_resend(user=request.user):
            raise Problem(status=409, slug="already-verified", detail="The address is already verified.")
        return accepted("A verification link is on its way.")


class PasswordResetView(Public):
    throttle_scope = "password-reset"

    @extend_schema(
        operation_id="auth_password_reset",
        summary="Ask for a password reset link",
        description="The answer is the same whether or not an account has the address.",
        request=s.EmailOnlySerializer,
        responses={202: s.AcceptedSerializer, **problem_responses(400, 415, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        data = validated(s.EmailOnlySerializer, request.data)
        services.password_reset_request(email=data["email"])
        return accepted(RESET_ACCEPTED)


class PasswordResetConfirmView(Public):
    throttle_scope = "password-reset"

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        summary="Set a new password with the reset link's uid and token",
        description="Every API token of the account is revoked: sign in again with the new password.",
        request=s.PasswordResetConfirmSerializer,
        responses={204: OpenApiResponse(description="Password set."), **problem_responses(400, 415, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        data = validated(s.PasswordResetConfirmSerializer, request.data)
        with field_problems(validated="new_password"):
            services.password_reset_confirm(
                uid=data["uid"], token=data["token"], new_password=data["new_password"]
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountView(SignedIn):
    @extend_schema(
        operation_id="accounts_me",
        summary="Your account",
        responses={200: s.AccountSerializer, **problem_responses(401)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(account_body(request.user))

    @extend_schema(
        operation_id="accounts_delete",
        summary="Delete your account",
        description="Signs out everywhere and erases your personal data: account, addresses, "
        "and the contact details on your orders. The orders themselves are kept for the shop's "
        "books, no longer linked to any account. The body carries the current password, "
        '`{"current_password": "..."}` (a DELETE with a JSON body, `Content-Type: application/json`).',
        request=s.AccountDeleteSerializer,
        responses={204: OpenApiResponse(description="Deleted."), **problem_responses(400, 401, 415, 429)},
        tags=TAGS,
    )
    def delete(self, request):
        data = validated(s.AccountDeleteSerializer, request.data)
        check_password(request, data["current_password"])
        if request.user.is_staff:
            raise exceptions.PermissionDenied("Staff accounts are removed by an administrator.")
        services.account_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(SignedIn):
    @extend_schema(
        operation_id="accounts_password_change",
        summary="Change your password",
        description="Every other device is signed out; the token of this request keeps working.",
        request=s.PasswordChangeSerializer,
        responses={204: OpenApiResponse(description="Changed."), **problem_responses(400, 401, 415, 429)},
        tags=TAGS,
    )
    def post(self, request):
        data = validated(s.PasswordChangeSerializer, request.data)
        check_password(request, data["current_password"])
        with field_problems(validated="new_password"):
            services.password_change(user=request.user, new_password=data["new_password"], keep=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeView(SignedIn):
    @extend_schema(
        operation_id="accounts_email_change",
        summary="Change your email address (verified before it takes effect)",
        request=s.EmailChangeSerializer,
        responses={202: s.AcceptedSerializer, **problem_responses(400, 401, 415, 429)},
        tags=TAGS,
    )
    def post(self, request):
        data = validated(s.EmailChangeSerializer, request.data)
        check_password(request, data["current_password"])
        services.email_change_request(user=request.user, new_email=data["new_email"])
        return accepted(EMAIL_CHANGE_ACCEPTED)
