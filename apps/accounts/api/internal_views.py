"""Accounts' internal API for services deployed on their own (notifications): an account's
address, and the verify/reset link an email carries, made when asked and never stored."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.accounts import selectors
from apps.accounts.contracts import LINK_PURPOSES
from apps.common.internal_api import InternalView
from apps.common.openapi import problem_responses
from apps.common.problems import Problem
from apps.common.serializers import validated

TAGS = ["internal"]


class InternalAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class AccountLinkPurposeSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=LINK_PURPOSES)


class AccountLinkSerializer(serializers.Serializer):
    recipient = serializers.EmailField(help_text="The address to send the link to.")
    url = serializers.URLField()
    valid_hours = serializers.IntegerField()


def _no_account(account_id: int) -> Problem:
    return Problem(status=404, slug="not-found", detail=f"No account {account_id}.")


class InternalAccountView(InternalView):
    callers = ("notifications",)

    @extend_schema(
        operation_id="internal_account_get",
        summary="An account's email address (service-to-service)",
        description="For a module deployed on its own that writes to the customer (notifications).",
        responses={200: InternalAccountSerializer, **problem_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request, account_id: int):
        try:
            account = selectors.account_get(account_id=account_id)
        except LookupError:
            raise _no_account(account_id) from None
        return Response(InternalAccountSerializer({"id": account.id, "email": account.email}).data)


class InternalAccountLinkView(InternalView):
    callers = ("notifications",)

    @extend_schema(
        operation_id="internal_account_link",
        summary="Make a verify-email or reset-password link (service-to-service)",
        description="Made now, never stored, answered with `Cache-Control: no-store`. 404 when "
        "none applies: the account is gone or deactivated, or (verify-email) has nothing to verify.",
        request=AccountLinkPurposeSerializer,
        responses={200: AccountLinkSerializer, **problem_responses(400, 401, 403, 404, 415)},
        tags=TAGS,
    )
    def post(self, request, account_id: int):
        purpose = validated(AccountLinkPurposeSerializer, request.data)["purpose"]
        try:
            link = selectors.account_link(account_id=account_id, purpose=purpose)
        except LookupError as exc:
            raise Problem(status=404, slug="no-link", detail=f"No {purpose} link applies: {exc}.") from None
        body = AccountLinkSerializer(
            {"recipient": link.recipient, "url": link.url, "valid_hours": link.valid_hours}
        ).data
        return Response(body, headers={"Cache-Control": "no-store"})
