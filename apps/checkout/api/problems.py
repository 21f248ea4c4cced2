"""The checkout module's rows of the exception → problem table (apps.common.problems). The orders
and payments failures that placement raises are answered by those modules' own rows."""

from apps.checkout.contracts import (
    CheckoutClosed,
    CheckoutError,
    CheckoutNotFound,
    InvalidInput,
    NotReady,
    PriceChanged,
    VoucherUnavailable,
)
from apps.common.problems import ProblemRow


def _not_ready(exc: NotReady) -> dict:
    return {
        "problems": [
            {"code": p.code, "detail": p.detail, "pointer": p.pointer, **p.extra} for p in exc.problems
        ]
    }


PROBLEMS = {
    InvalidInput: ProblemRow(
        400,
        "validation-error",
        detail=lambda exc: exc.detail,
        extensions=lambda exc: {"errors": [{"pointer": exc.pointer, "detail": exc.detail, "code": exc.code}]},
    ),
    CheckoutNotFound: ProblemRow(404, "not-found"),
    CheckoutClosed: ProblemRow(
        409,
        "checkout-{status}",  # checkout-completed, checkout-completing
        extensions=lambda exc: {"checkout_status": exc.status, "order_id": exc.order_id},
    ),
    NotReady: ProblemRow(409, "checkout-not-ready", extensions=_not_ready),
    # The view adds `checkout`, the checkout as it now reads.
    PriceChanged: ProblemRow(
        409,
        "price-changed",
        detail=lambda exc: (
            f"{exc} Nothing was charged; complete again (with a new Idempotency-Key) to pay the new total."
        ),
        extensions=lambda exc: {"previous_total": exc.quoted},
    ),
    VoucherUnavailable: ProblemRow(409, "voucher-unavailable", extensions=lambda exc: {"reason": exc.reason}),
    CheckoutError: ProblemRow(409, "checkout-conflict"),
}
