"""Bulk work on orders from the admin: ship from a CSV (with a dry run), capture, export. Each goes
through the same services as one order at a time, and reports one result line per order."""

import csv
import io
import uuid
from dataclasses import dataclass

from apps.common.csv_stream import csv_lines
from apps.common.money import Money
from apps.orders import services
from apps.orders.contracts import Actor, OrderError
from apps.orders.models import Order
from apps.orders.transitions import allowed_actions
from apps.payments.contracts import PaymentError
from apps.payments.public import payment_capture

SHIP_COLUMNS = ("order_number", "carrier", "tracking_number")
MAX_ROWS = 1000
EXPORT_COLUMNS = (
    "number", "created_at", "status", "payment_status", "customer_email", "currency", "total", "items",
    "carrier", "tracking_number",
)  # fmt: skip


@dataclass(frozen=True)
class Result:
    line: int  # the CSV line (1 = header), 0 for a selected order
    order_number: str
    ok: bool
    message: str
    order_id: uuid.UUID | None = None


class BadFile(ValueError):
    """The upload is not a CSV with the expected columns: nothing was done."""


def ship_rows(upload: bytes) -> list[tuple[int, dict]]:
    """(line, row) of a CSV with columns order_number, carrier, tracking_number (header required)."""
    try:
        text = upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("The file is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in SHIP_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise BadFile(
            f"Missing column(s): {', '.join(missing)}. Expected a header: {','.join(SHIP_COLUMNS)}."
        )
    rows = [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
    if len(rows) > MAX_ROWS:
        raise BadFile(f"At most {MAX_ROWS} orders per file, not {len(rows)}.")
    return rows


def ship_from_csv(rows: list[tuple[int, dict]], *, user, dry_run: bool) -> list[Result]:
    numbers = [row["order_number"] for _, row in rows]
    orders = {o.number: o for o in Order.objects.filter(number__in=numbers)}
    seen: set[str] = set()
    results = []
    for line, row in rows:
        number, carrier, tracking = row["order_number"], row["carrier"], row["tracking_number"]
        order = orders.get(number)
        problem = (
            "no such order" if order is None
            else "listed twice in this file" if number in seen
            else "carrier and tracking number are required" if not (carrier and tracking)
            else f"cannot ship a {order.status} order" if "ship" not in allowed_actions(order.status)
            else ""
        )  # fmt: skip
        seen.add(number)
        if problem:
            results.append(Result(line, number, False, problem))
            continue
        if dry_run:
            capture = " (captures the payment first)" if order.status == "placed" else ""
            results.append(
                Result(line, number, True, f"would ship with {carrier} {tracking}{capture}", order.pk)
            )
            continue
        try:
            services.order_ship(
                order=order, carrier=carrier, tracking_number=tracking, actor=Actor.of(user, staff=True)
            )
        except (OrderError, PaymentError) as exc:
            results.append(Result(line, number, False, f"not shipped: {exc}"))
        else:
            results.append(Result(line, number, True, f"shipped with {carrier} {tracking}", order.pk))
    return results


def capture_orders(orders) -> list[Result]:
    """Capture the payment of each placed order (a refused one stays refused, with its reason)."""
    results = []
    for order in orders:
        if order.status != "placed" or order.payment_id is None:
            results.append(Result(0, order.number, False, f"nothing to capture: the order is {order.status}"))
            continue
        try:
            # A fresh key per bulk run: the provider may remember an earlier refusal under the old one.
            payment_capture(payment_id=str(order.payment_id), idempotency_key=f"admin-bulk:{uuid.uuid4()}")
        except PaymentError as exc:
            results.append(Result(0, order.number, False, f"not captured: {exc}"))
        else:
            results.append(Result(0, order.number, True, "captured", order.pk))
    return results


def export_rows(orders):
    """CSV lines (header first) of the orders, totals in major units: for people and spreadsheets."""
    return csv_lines(
        EXPORT_COLUMNS,
        (
            [o.number, o.created_at.isoformat(), o.status, o.payment_status, o.customer_email, o.currency,
             str(Money(o.total_amount, o.currency).to_decimal()), o.item_count, o.carrier, o.tracking_number]
            for o in orders
        ),
    )  # fmt: skip
