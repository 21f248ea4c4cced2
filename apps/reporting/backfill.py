"""Backfill the reporting facts from the source modules' public read APIs.

Batches follow the sources' (created_at, id) keyset; each batch is applied, then its cursor is
saved (BackfillCheckpoint), so an interrupted run resumes after the last batch it applied. Safe
while events flow: a row already in the projection is written only if the source's version is
newer than the row's (the events' rule), so a backfill never undoes a newer event.
"""

import functools
import multiprocessing
import operator
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from apps.events.public import apply_if_newer
from apps.orders.contracts import OrderCursor, OrderRecord
from apps.orders.public import orders_page
from apps.payments.contracts import PaymentCursor, PaymentRecord
from apps.payments.public import payments_page, payments_state
from apps.reporting.models import BackfillCheckpoint, OrderFact, PaymentFact
from apps.reporting.projections import CAPTURE_FAILED, CHARGES, DB, daily_sales_rebuild_between, utc_day

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BackfillResult:
    source: str
    rows: int  # rows read from the source in this run
    resumed: bool


def orders_backfill(
    *, batch_size: int, restart: bool = False, progress: Progress | None = None
) -> BackfillResult:
    """OrderFact for every order (payment columns from payments.public); then daily sales rebuilt
    once for the days the run covered."""

    def apply(page: FactPage) -> None:
        _apply(OrderFact, "order_id", _facts(OrderFact, page))

    checkpoint, rows, resumed = _run(
        "orders",
        OrderCursor,
        _order_fact_page,
        apply,
        batch_size=batch_size,
        restart=restart,
        progress=progress,
    )
    if checkpoint.first_created_at is not None:
        # Once per run, not per batch: a day's rebuild reads all its facts. An event-applied fact can
        # sit on the next day (its time is a moment after the order's creation), hence the +1.
        daily_sales_rebuild_between(
            since=utc_day(checkpoint.first_created_at),
            until=utc_day(checkpoint.after_created_at) + timedelta(days=1),
        )
    _finish(checkpoint)
    return BackfillResult("orders", rows, resumed)


def payments_backfill(
    *, batch_size: int, restart: bool = False, progress: Progress | None = None
) -> BackfillResult:
    """PaymentFact for every payment."""

    def apply(page: FactPage) -> None:
        _apply(PaymentFact, "payment_id", _facts(PaymentFact, page))

    checkpoint, rows, resumed = _run(
        "payments",
        PaymentCursor,
        _payment_fact_page,
        apply,
        batch_size=batch_size,
        restart=restart,
        progress=progress,
    )
    _finish(checkpoint)
    return BackfillResult("payments", rows, resumed)


@dataclass(frozen=True)
class FactPage:
    """One source page as the facts' column values (concrete fields in order): plain tuples, cheap
    to send from the reader process, turned into model instances where they are written."""

    rows: list[tuple]
    first_created_at: datetime | None
    last: OrderCursor | PaymentCursor | None  # the cursor of this page's last row
    next: OrderCursor | PaymentCursor | None  # None: this was the last page


def _order_fact_page(cursor: OrderCursor | None, limit: int) -> FactPage:
    page = orders_page(after=cursor, limit=limit)
    states = payments_state(payment_ids=[r.payment_id for r in page.records if r.payment_id])
    return _fact_page(
        page, [_order_fact_values(r, states.get(r.payment_id)) for r in page.records], OrderCursor
    )


def _payment_fact_page(cursor: PaymentCursor | None, limit: int) -> FactPage:
    page = payments_page(after=cursor, limit=limit)
    return _fact_page(page, [_payment_fact_values(r) for r in page.records], PaymentCursor)


def _fact_page(page, rows: list[tuple], cursor_type) -> FactPage:
    records = page.records
    last = cursor_type(records[-1].created_at, records[-1].id) if records else None
    return FactPage(rows, records[0].created_at if records else None, last, page.next)


def _facts(model, page: FactPage) -> list:
    return [model(*values) for values in page.rows]  # positional: Django's fast path


def _run(source: str, cursor_type, read, apply, *, batch_size: int, restart: bool, progress: Progress | None):
    """Apply page after page from the checkpoint's cursor, saving the cursor after each page."""
    checkpoint, resumed = _checkpoint(source, restart=restart)
    cursor = cursor_type(checkpoint.after_created_at, checkpoint.after_id) if checkpoint.after_id else None
    rows = 0
    for page in _pages(read, cursor, batch_size):
        if not page.rows:
            continue
        apply(page)
        _advance(checkpoint, page.first_created_at, page.last, len(page.rows))
        rows += len(page.rows)
        if progress:
            progress(len(page.rows))
    return checkpoint, rows, resumed


def _pages(read, cursor, limit: int) -> Iterator[FactPage]:
    """read(cursor, limit), page after page, until the source says there is no next one. The next
    page is read, and turned into fact values, in a second process while this one writes the
    current page: reading and writing each take one core (a thread would share one, the work is
    mostly Python), and the source and the reporting database work at the same time."""
    if not _may_read_ahead():
        yield from _pages_in_turn(read, cursor, limit)
        return
    # Forked, so the reader has these settings (and a test's database names). It opens connections
    # of its own: the parent's are closed first, or both processes would talk on the same sockets.
    connections.close_all()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        ahead = pool.submit(read, cursor, limit)
        while True:
            page = ahead.result()
            if page.next is not None:
                ahead = pool.submit(read, page.next, limit)
            yield page
            if page.next is None:
                return
    finally:
        try:
            pool.submit(_close_connections).result()  # the reader's own, cleanly
        finally:
            pool.shutdown(cancel_futures=True)


def _close_connections() -> None:
    connections.close_all()


def _pages_in_turn(read, cursor, limit: int) -> Iterator[FactPage]:
    while True:
        page = read(cursor, limit)
        yield page
        if page.next is None:
            return
        cursor = page.next


def _may_read_ahead() -> bool:
    """A second connection sees only committed rows: inside the caller's transaction (tests, or a
    backfill run in one) and on SQLite (the embedded default) pages are read in turn; so too in a
    daemonic multiprocessing child, which may not start a process of its own."""
    source = connections[DEFAULT_DB_ALIAS]
    return (
        source.vendor != "sqlite"
        and not source.in_atomic_block
        and not multiprocessing.current_process().daemon
    )


def _apply_orders(records, states: dict) -> None:
    """One page of orders, with their payments' states read at the same time."""
    _apply(
        OrderFact, "order_id", [OrderFact(*_order_fact_values(r, states.get(r.payment_id))) for r in records]
    )


def _apply(model, key: str, facts: list) -> None:
    """Insert the batch in one statement; if any of its rows exists already (a resumed or repeated
    run, or events got there first), apply it instead row by row by the version rule.

    Insert first: on a first backfill nearly every batch is new, and asking which rows exist would
    cost a query per batch. SQL Server has no ON CONFLICT DO NOTHING, so a conflict fails the whole
    insert, rolled back by its savepoint."""
    try:
        with transaction.atomic(using=DB):
            model.objects.bulk_create(facts)
        return
    except IntegrityError:
        pass
    versions = _VERSIONS[model]
    existing = {
        row[0]: row[1:]
        for row in model.objects.filter(pk__in=[getattr(f, key) for f in facts]).values_list(key, *versions)
    }
    fresh = [f for f in facts if getattr(f, key) not in existing]
    stale = [
        f
        for f in facts
        if getattr(f, key) in existing
        and any(have < getattr(f, v) for have, v in zip(existing[getattr(f, key)], versions, strict=True))
    ]
    for fact in fresh + stale:  # fresh ones too: an event may insert them at any moment
        _apply_one(model, key, fact)
    if model is OrderFact:
        _charges_fill(facts)


def _charges_fill(facts: list[OrderFact]) -> None:
    """An order's charges never change after placement, so the source's are right whatever the
    fact's versions: write them where the fact lacks them (facts from before reporting kept them,
    or whose OrderCreated was never applied)."""
    have = {
        row[0]: row[1:]
        for row in OrderFact.objects.filter(pk__in=[f.order_id for f in facts]).values_list(
            "order_id", *CHARGES
        )
    }
    for fact in facts:
        wanted = tuple(getattr(fact, name) for name in CHARGES)
        if fact.order_id in have and have[fact.order_id] != wanted:
            OrderFact.objects.filter(pk=fact.order_id).update(**dict(zip(CHARGES, wanted, strict=True)))


def _apply_one(model, key: str, fact) -> None:
    """One fact by the events' rules: fields by version, milestone times written once."""
    values = {f.attname: getattr(fact, f.attname) for f in model._meta.concrete_fields}
    lookup = {key: values.pop(key)}
    version = values.pop("aggregate_version")
    payment = {k: values.pop(k) for k in _PAYMENT_COLUMNS if model is OrderFact}
    rows = model.objects.filter(**lookup)
    if not rows.exists():
        apply_if_newer(model, lookup=lookup, version=version, values=values)  # inserts, times and all
    else:
        # An event may have stamped a time already (its own, a moment after the source's): keep it,
        # so an order's day never moves once known.
        times = {k: values.pop(k) for k in _WRITE_ONCE[model]}
        apply_if_newer(model, lookup=lookup, version=version, values=values)
        for name, value in times.items():
            if value is not None and name != "placed_on":
                stamp = {name: value} | ({"placed_on": times["placed_on"]} if name == "placed_at" else {})
                rows.filter(**{f"{name}__isnull": True}).update(**stamp)
    if payment:  # the order's payment columns follow the payment's version
        rows.filter(payment_version__lt=payment["payment_version"]).update(**payment)


_WRITE_ONCE = {
    OrderFact: (
        "placed_at",
        "placed_on",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "refunded_at",
    ),
    PaymentFact: ("authorized_at", "captured_at", "voided_at", "failed_at"),
}


_VERSIONS = {OrderFact: ("aggregate_version", "payment_version"), PaymentFact: ("aggregate_version",)}
_PAYMENT_COLUMNS = ("payment_status", "amount_captured", "amount_refunded", "payment_version")


def _order_fact_values(record: OrderRecord, payment) -> tuple:
    return _values(
        OrderFact,
        order_id=uuid.UUID(record.id),
        number=record.number,
        customer_id=record.customer_id,
        status=record.status,
        currency=record.currency,
        total_amount=record.total_amount,
        item_count=record.item_count,
        payment_id=uuid.UUID(record.payment_id) if record.payment_id else None,
        payment_status=(CAPTURE_FAILED if payment.capture_failed else payment.status) if payment else "",
        amount_captured=payment.amount_captured if payment else 0,
        amount_refunded=payment.amount_refunded if payment else 0,
        placed_at=record.created_at,
        placed_on=utc_day(record.created_at),
        paid_at=record.paid_at,
        shipped_at=record.shipped_at,
        delivered_at=record.delivered_at,
        cancelled_at=record.cancelled_at,
        refunded_at=record.refunded_at,
        aggregate_version=record.version,
        payment_version=payment.version if payment else 0,
        shipping_amount=record.shipping_amount,
        shipping_tax_amount=record.shipping_tax_amount,
        discount_amount=record.discount_amount,
        tax_amount=record.tax_amount,
        prices_include_tax=record.prices_include_tax,
    )


def _payment_fact_values(record: PaymentRecord) -> tuple:
    """The source keeps no authorization, void or failure time: the payment's creation stands for
    its authorization (it is written just before the provider call), its last update for a final
    void or failure."""
    never_authorized = record.status in ("requires_authorization", "failed")
    return _values(
        PaymentFact,
        payment_id=uuid.UUID(record.id),
        order_id=uuid.UUID(record.order_id),
        provider=record.provider,
        status=record.status,
        currency=record.currency,
        amount_authorized=record.amount_authorized,
        amount_captured=record.amount_captured,
        amount_refunded=record.amount_refunded,
        failure_code=record.failure_code,
        authorized_at=None if never_authorized else record.created_at,
        captured_at=record.captured_at,
        refunded_at=record.last_refunded_at,
        voided_at=record.updated_at if record.status == "voided" else None,
        failed_at=record.updated_at if record.status == "failed" else None,
        aggregate_version=record.version,
    )


def _values(model, **values) -> tuple:
    """The values in the order of the model's concrete fields, for model(*values): Django's fast
    path, half the cost of keywords. Every concrete field must be given."""
    return _in_field_order(model)(values)


@functools.cache
def _in_field_order(model) -> Callable[[dict], tuple]:
    return operator.itemgetter(*(f.attname for f in model._meta.concrete_fields))


def _checkpoint(source: str, *, restart: bool) -> tuple[BackfillCheckpoint, bool]:
    """The unfinished run of `source` to resume, or a fresh one."""
    now = timezone.now()
    checkpoint = BackfillCheckpoint.objects.filter(source=source).first()
    if checkpoint is not None and checkpoint.finished_at is None and not restart:
        return checkpoint, True
    BackfillCheckpoint.objects.filter(source=source).delete()
    return BackfillCheckpoint.objects.create(source=source, started_at=now, updated_at=now), False


def _advance(checkpoint: BackfillCheckpoint, first_created_at: datetime, cursor, rows: int) -> None:
    checkpoint.first_created_at = checkpoint.first_created_at or first_created_at
    checkpoint.after_created_at, checkpoint.after_id = cursor.created_at, cursor.id
    checkpoint.rows += rows
    checkpoint.updated_at = timezone.now()
    checkpoint.save(update_fields=["first_created_at", "after_created_at", "after_id", "rows", "updated_at"])


def _finish(checkpoint: BackfillCheckpoint) -> None:
    checkpoint.finished_at = timezone.now()
    checkpoint.save(update_fields=["finished_at"])
