"""The payments module's rows of the exception → problem table (apps.common.problems): the same
answer whichever module's endpoint met the failure (orders, checkout, the staff payment API)."""

from apps.common.problems import ProblemRow
from apps.payments.contracts import (
    AmountInvalid,
    PaymentAmountChanged,
    PaymentDeclined,
    PaymentStateConflict,
    ProviderRejectedRequest,
    ProviderUnavailable,
    UnknownProvider,
)


def _unknown_provider(exc: UnknownProvider) -> str:
    return f"Unknown payment provider {str(exc)!r}."


def _field(pointer: str, code: str, detail=str):
    """Extensions for a 400 naming the body field at fault."""

    def errors(exc: Exception) -> dict:
        return {"errors": [{"pointer": pointer, "detail": detail(exc), "code": code}]}

    return errors


PROBLEMS = {
    PaymentDeclined: ProblemRow(
        402,
        "payment-declined",
        detail=lambda exc: f"Payment declined: {exc.message}",
        extensions=lambda exc: {"decline_code": exc.code},
    ),
    # Our request was wrong (a bug or a misconfiguration): a 500, never "declined". The provider's
    # own message stays in the log, under the request id given here.
    ProviderRejectedRequest: ProblemRow(
        500,
        "payment-integration-error",
        detail=lambda exc: (
            "The payment could not be processed because of an error on our side, not "
            "the card; nothing moved and the error has been logged. Please try again later."
        ),
        extensions=lambda exc: {"payment_id": exc.payment_id, "provider_request_id": exc.request_id},
    ),
    ProviderUnavailable: ProblemRow(
        503,
        "payment-provider-unavailable",
        detail=lambda exc: (
            "The payment provider did not answer. Retry with the same Idempotency-Key: "
            "the provider sees the same request again, so nothing happens twice."
        ),
        retry_after=5,
    ),
    PaymentStateConflict: ProblemRow(
        409, "payment-state-conflict", extensions=lambda exc: {"payment_status": exc.status}
    ),
    # A retry under the same Idempotency-Key re-priced to another total than its payment's: the
    # pointer names the total (of the order or checkout) that no longer matches.
    PaymentAmountChanged: ProblemRow(
        409,
        "payment-amount-changed",
        detail=lambda exc: (
            f"{exc} Nothing more was charged and no order was placed; place it again with a new "
            "Idempotency-Key to pay the new total."
        ),
        extensions=lambda exc: {
            **_field("#/totals/total", "amount_changed")(exc),
            "payment_id": exc.payment_id,
            "authorized": {"amount": exc.authorized, "currency": exc.currency},
            "total": {"amount": exc.total, "currency": exc.currency},
        },
    ),
    AmountInvalid: ProblemRow(400, "validation-error", extensions=_field("#/amount", "invalid_amount")),
    # The serializers check the provider first; this is a provider disabled in between.
    UnknownProvider: ProblemRow(
        400,
        "validation-error",
        detail=_unknown_provider,
        extensions=_field("#/payment/provider", "unknown_provider", detail=_unknown_provider),
    ),
}
