"""Checkout writes. Every change locks the checkout row (short transactions, no calls out while
held) and refuses a checkout that is completed or being completed; completion claims the row with
a conditional UPDATE and places the order through orders.public.order_place."""

import hashlib
import secrets
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.contracts import AddressNotFound
from apps.accounts.public import address_get
from apps.catalog.public import prices_for
from apps.checkout import signals
from apps.checkout.addresses import address_check
from apps.checkout.contracts import (
    CheckoutClosed,
    CheckoutNotFound,
    InvalidInput,
    NotReady,
    PriceChanged,
    VoucherUnavailable,
)
from apps.checkout.event_data import CheckoutCompletedData
from apps.checkout.models import Checkout, CheckoutLine, CheckoutStatus, Voucher, VoucherRedemption
from apps.checkout.selectors import (
    VOUCHER_REASONS,
    Quote,
    charged_record,
    customer_key,
    expired_checkouts,
    quote,
    voucher_reason,
)
from apps.orders.contracts import GUEST_CUSTOMER_ID, ChargedLine, Customer, OrderCharges, PlacedOrder
from apps.orders.public import order_place

S = CheckoutStatus


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checkout_create(*, email: str, customer_id: int | None) -> tuple[Checkout, str]:
    """A new empty checkout; for a guest (customer_id None) also the token it is reached with,
    returned only now (stored hashed)."""
    token = secrets.token_urlsafe(32) if customer_id is None else ""
    now = timezone.now()
    checkout = Checkout.objects.create(
        customer_id=customer_id,
        email=email,
        guest_token_hash=token_hash(token) if token else "",
        currency=settings.CHECKOUT_CURRENCY,
        created_at=now,
        updated_at=now,
        expires_at=now + settings.CHECKOUT_EXPIRE_AFTER,
    )
    return checkout, token


def line_add(*, checkout: Checkout, sku: str, quantity: int) -> Checkout:
    """Add `quantity` of `sku` (to the line already holding it, if any)."""
    _refuse_closed(checkout)
    _check_sku(sku, checkout.currency)
    with _changing(checkout) as locked:
        line = CheckoutLine.objects.filter(checkout=locked, sku=sku).first()
        total = quantity + (line.quantity if line else 0)
        _check_quantity(total, "#/quantity")
        if line is not None:
            CheckoutLine.objects.filter(pk=line.pk).update(quantity=total)
            return locked
        if CheckoutLine.objects.filter(checkout=locked).count() >= settings.CHECKOUT_MAX_LINES:
            raise InvalidInput(
                "#/sku", f"A checkout holds at most {settings.CHECKOUT_MAX_LINES} lines.", "too_many_lines"
            )
        CheckoutLine.objects.create(checkout=locked, sku=sku, quantity=quantity)
    return locked


def line_set(*, checkout: Checkout, sku: str, quantity: int) -> Checkout:
    """Set the quantity of the line holding `sku`."""
    _refuse_closed(checkout)
    _check_quantity(quantity, "#/quantity")
    with _changing(checkout) as locked:
        if not CheckoutLine.objects.filter(checkout=locked, sku=sku).update(quantity=quantity):
            raise CheckoutNotFound(f"No line for {sku} in this checkout.")
    return locked


def line_remove(*, checkout: Checkout, sku: str) -> Checkout:
    with _changing(checkout) as locked:
        deleted, _ = CheckoutLine.objects.filter(checkout=locked, sku=sku).delete()
        if not deleted:
            raise CheckoutNotFound(f"No line for {sku} in this checkout.")
    return locked


def details_set(
    *,
    checkout: Checkout,
    email: str | None = None,
    shipping_address: dict | None = None,
    billing_address: dict | None = None,
    billing_same_as_shipping: bool = False,
    shipping_address_id: int | None = None,
    billing_address_id: int | None = None,
) -> Checkout:
    """Change the email and/or the addresses (each checked for its country's rules). An address
    may come from the customer's address book (`*_address_id`): it is copied, so later edits of
    the book do not change the checkout or its order."""
    _refuse_closed(checkout)
    changes: dict = {}
    if email is not None:
        changes["email"] = email
    if shipping_address_id is not None:
        shipping_address = _saved_address(checkout, shipping_address_id, "#/shipping_address_id")
    if billing_address_id is not None:
        billing_address = _saved_address(checkout, billing_address_id, "#/billing_address_id")
    if shipping_address is not None:
        changes["shipping_address"] = address_check(shipping_address, pointer="#/shipping_address")
    if billing_address is not None:
        changes["billing_address"] = address_check(billing_address, pointer="#/billing_address")
    elif billing_same_as_shipping:
        changes["billing_address"] = None
    with _changing(checkout, **changes) as locked:
        pass
    return locked


def shipping_method_set(*, checkout: Checkout, method_id: int) -> Checkout:
    """Pick one of the methods that apply to the checkout now."""
    _refuse_closed(checkout)
    current = quote(checkout)
    if method_id not in {o.method.pk for o in current.options}:
        raise InvalidInput(
            "#/id",
            "This shipping method is not available for the checkout's address and parcel; "
            "choose one from its shipping-methods list.",
            "shipping_method_unavailable",
        )
    with _changing(checkout, shipping_method_id=method_id) as locked:
        pass
    return locked


def voucher_apply(*, checkout: Checkout, code: str) -> Checkout:
    """Apply a voucher the checkout may use now (else InvalidInput naming the code)."""
    _refuse_closed(checkout)
    code = code.strip().upper()
    current = quote(checkout)
    voucher = Voucher.objects.filter(code=code).first()
    reason = voucher_reason(voucher, checkout, current.totals.subtotal)
    if reason is not None:
        raise InvalidInput("#/code", f"Voucher {code} cannot be used: {VOUCHER_REASONS[reason]}.", reason)
    with _changing(checkout, voucher_code=code) as locked:
        pass
    return locked


def voucher_remove(*, checkout: Checkout) -> Checkout:
    with _changing(checkout, voucher_code="") as locked:
        pass
    return locked


def quote_shown(current: Quote) -> None:
    """Remember the total and prices the customer is being shown (only when they changed): the
    total completion will charge, and the prices a later read compares against."""
    checkout, prices = current.checkout, current.current_prices
    if checkout.quoted_total == current.totals.total and checkout.quoted_prices == prices:
        return
    Checkout.objects.filter(pk=checkout.pk).update(quoted_total=current.totals.total, quoted_prices=prices)
    checkout.quoted_total, checkout.quoted_prices = current.totals.total, prices


def checkout_complete(
    *, checkout: Checkout, idempotency_key: str, payment_provider: str, payment_method: str
) -> PlacedOrder:
    """Re-price, check, and place the order: stock reserved, the total authorized, the order,
    the voucher's use and the checkout's completion committed together.

    One complete at a time: the first claims the checkout (status `completing`); a concurrent one
    gets CheckoutClosed. A failure gives the claim back. A claim left by a crashed process is
    taken over after CHECKOUT_CLAIM_TIMEOUT. Returns the order placed; the checkout, completed,
    holds what was charged (`charged`)."""
    claim = _claim(checkout)
    try:
        checkout.refresh_from_db()
        current = quote(checkout)
        blocking = [p for p in current.problems if p.code != "price_changed"]
        if blocking:
            raise NotReady(blocking)
        if checkout.quoted_total != current.totals.total or any(
            p.code == "price_changed" for p in current.problems
        ):
            quoted = checkout.quoted_total
            quote_shown(current)
            raise PriceChanged(quoted if quoted is not None else 0, current.totals.total)
        placed = order_place(
            customer=Customer(checkout.customer_id or GUEST_CUSTOMER_ID, checkout.email),
            order_key=f"checkout:{checkout.pk}:{idempotency_key}",
            charges=_charges(current),
            shipping_address=checkout.shipping_address,
            billing_address=checkout.billing_address,
            payment_provider=payment_provider,
            payment_method=payment_method,
            within=lambda order: _record_completion(current, claim, order),
        )
    except BaseException:
        Checkout.objects.filter(pk=checkout.pk, claim_token=claim, status=S.COMPLETING).update(
            status=S.OPEN, claim_token="", claimed_at=None
        )
        raise
    checkout.status, checkout.order_id, checkout.order_number = S.COMPLETED, placed.id, placed.number
    checkout.charged = charged_record(current)
    return placed


def checkouts_purge() -> int:
    """Delete abandoned checkouts past their expiry; how many were deleted."""
    _deleted, by_model = expired_checkouts().delete()
    return by_model.get(Checkout._meta.label, 0)


# --- internals ---------------------------------------------------------------------------


def _refuse_closed(checkout: Checkout) -> None:
    """A change to a completed checkout is a 409 before its input is judged against today's
    catalog or vouchers (the locked re-check in _changing stays the one that counts)."""
    if checkout.status != S.OPEN:
        raise CheckoutClosed(checkout.status, str(checkout.order_id) if checkout.order_id else None)


@contextmanager
def _changing(checkout: Checkout, **changes):
    """Lock the checkout row, refuse if it is not open, apply `changes`, extend its expiry; yields
    the locked checkout (the body adds its own writes in the same transaction)."""
    now = timezone.now()
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().filter(pk=checkout.pk).first()
        if locked is None:
            raise CheckoutNotFound("No such checkout.")
        if locked.status != S.OPEN:
            raise CheckoutClosed(locked.status, str(locked.order_id) if locked.order_id else None)
        yield locked
        changes |= {"updated_at": now, "expires_at": now + settings.CHECKOUT_EXPIRE_AFTER}
        Checkout.objects.filter(pk=locked.pk).update(**changes)
        for name, value in changes.items():
            setattr(locked, name, value)


def _saved_address(checkout: Checkout, address_id: int, pointer: str) -> dict:
    """A copy of one of the checkout's customer's saved addresses (a guest has none)."""
    try:
        if checkout.customer_id is None:
            raise AddressNotFound(address_id)
        saved = address_get(account_id=checkout.customer_id, address_id=address_id)
    except AddressNotFound:
        raise InvalidInput(pointer, "You have no saved address with this id.", "not_found") from None
    copy = {
        name: getattr(saved, name)
        for name in ("name", "line1", "line2", "city", "postal_code", "country", "phone")
    }
    return copy | ({"region": saved.region} if saved.region else {})


def _check_sku(sku: str, currency: str) -> None:
    price = prices_for(skus=[sku]).get(sku)
    if price is None or not price.active:
        why = "unknown" if price is None else "not for sale"
        raise InvalidInput("#/sku", f"SKU {sku} is {why}.", "unknown_sku")
    if price.currency != currency:
        raise InvalidInput(
            "#/sku",
            f"SKU {sku} is priced in {price.currency}; this checkout is in {currency}.",
            "currency_mismatch",
        )


def _check_quantity(quantity: int, pointer: str) -> None:
    if quantity > settings.CHECKOUT_MAX_QUANTITY_PER_LINE:
        raise InvalidInput(
            pointer,
            f"At most {settings.CHECKOUT_MAX_QUANTITY_PER_LINE} of one SKU per checkout.",
            "max_value",
        )


def _claim(checkout: Checkout) -> str:
    token, now = secrets.token_hex(16), timezone.now()
    stale = now - settings.CHECKOUT_CLAIM_TIMEOUT
    claimed = Checkout.objects.filter(
        Q(status=S.OPEN) | Q(status=S.COMPLETING, claimed_at__lt=stale), pk=checkout.pk
    ).update(status=S.COMPLETING, claim_token=token, claimed_at=now)
    if not claimed:
        current = Checkout.objects.filter(pk=checkout.pk).values_list("status", "order_id").first()
        if current is None:
            raise CheckoutNotFound("No such checkout.")
        raise CheckoutClosed(current[0], str(current[1]) if current[1] else None)
    return token


def _charges(current: Quote) -> OrderCharges:
    t = current.totals
    return OrderCharges(
        currency=current.checkout.currency,
        lines=tuple(
            ChargedLine(p.sku, p.name, p.unit_price, p.quantity, p.line_total, p.discount, p.tax)
            for p in t.lines
        ),
        subtotal_amount=t.subtotal,
        total_amount=t.total,
        shipping_method=current.shipping.method.name if current.shipping else "",
        shipping_amount=t.shipping,
        shipping_tax_amount=t.shipping_tax,
        discount_amount=t.discount,
        tax_amount=t.tax,
        voucher_code=current.voucher.code if current.voucher else "",
        prices_include_tax=t.prices_include_tax,
    )


def _record_completion(current: Quote, claim: str, order: PlacedOrder) -> None:
    """In the order's transaction: count the voucher's use (the database refuses one past its
    limits), mark the checkout completed, announce it. Raising here undoes the order."""
    checkout = current.checkout
    if current.voucher is not None:
        _redeem(current.voucher, checkout, order, current.totals.discount)
    completed = Checkout.objects.filter(pk=checkout.pk, claim_token=claim, status=S.COMPLETING).update(
        status=S.COMPLETED,
        order_id=order.id,
        order_number=order.number,
        charged=charged_record(current),
        updated_at=timezone.now(),
    )
    if not completed:  # our claim was taken over (we were presumed dead): the other run decides
        raise CheckoutClosed(S.COMPLETING)
    t = current.totals
    signals.checkout_completed.send(
        sender=Checkout,
        subject=str(checkout.pk),
        aggregate_version=1,
        data=CheckoutCompletedData(
            checkout_id=str(checkout.pk),
            order_id=order.id,
            customer_id=checkout.customer_id or GUEST_CUSTOMER_ID,
            currency=checkout.currency,
            subtotal_amount=t.subtotal,
            shipping_amount=t.shipping,
            discount_amount=t.discount,
            tax_amount=t.tax,
            total_amount=t.total,
            voucher_code=current.voucher.code if current.voucher else "",
        ),
    )


def _redeem(voucher: Voucher, checkout: Checkout, order: PlacedOrder, discount: int) -> None:
    """Count one use in total and for this customer. Both are single conditional statements: a
    concurrent completion waits on the row lock, then finds the limit reached."""
    taken = Voucher.objects.filter(
        Q(usage_limit__isnull=True) | Q(used_count__lt=F("usage_limit")), pk=voucher.pk
    ).update(used_count=F("used_count") + 1)
    if not taken:
        raise VoucherUnavailable(voucher.code, "used_up")
    key = customer_key(checkout)
    if voucher.per_customer_limit is not None and not _count_customer_use(voucher, key):
        raise VoucherUnavailable(voucher.code, "used_up_by_customer")
    VoucherRedemption.objects.create(
        voucher=voucher,
        order_id=order.id,
        checkout_id=checkout.pk,
        customer_key=key,
        discount_amount=discount,
    )


def _count_customer_use(voucher: Voucher, key: str) -> bool:
    """One more use by this customer, if under the voucher's per-customer limit (an upsert that
    updates only below the limit; no row back means the limit is reached)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO checkout_voucheruse (voucher_id, customer_key, uses) VALUES (%s, %s, 1) "
            "ON CONFLICT (voucher_id, customer_key) DO UPDATE SET uses = checkout_voucheruse.uses + 1 "
            "WHERE checkout_voucheruse.uses < %s RETURNING uses",
            [voucher.pk, key, voucher.per_customer_limit],
        )
        return cursor.fetchone() is not None
