"""The orders module's rows of the exception → problem table (apps.common.problems)."""

from apps.common.problems import ProblemRow
from apps.orders.contracts import ConcurrentUpdate, IllegalTransition, OrderRejected, OutOfStock


def _line_errors(exc: OrderRejected | OutOfStock) -> dict:
    """Each line at fault as an RFC 9457 error pointing into the request's `lines`."""
    errors = []
    for p in exc.problems:
        pointer = "#/lines" if p.index < 0 else f"#/lines/{p.index}/{p.field}"
        error = {"pointer": pointer, "detail": p.detail, "code": p.code}
        if p.available is not None:
            error["available"] = p.available
        errors.append(error)
    return {"errors": errors}


def _current_status(exc: IllegalTransition | ConcurrentUpdate) -> dict:
    return {"current_status": exc.status}


PROBLEMS = {
    OrderRejected: ProblemRow(400, "validation-error", extensions=_line_errors),
    OutOfStock: ProblemRow(409, "out-of-stock", extensions=_line_errors),
    IllegalTransition: ProblemRow(409, "illegal-transition", extensions=_current_status),
    ConcurrentUpdate: ProblemRow(409, "concurrent-update", extensions=_current_status),
}
