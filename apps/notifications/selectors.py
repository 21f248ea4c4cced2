"""Read queries of the notifications module."""

from django.db.models import Q, QuerySet

from apps.notifications.contracts import DeliveryHealth, DeliveryRecord
from apps.notifications.models import GUEST_ORDER, Delivery, DeliveryStatus, OrderFacts, WebhookEndpoint


def endpoint_matches(*, patterns: list[str], event_type: str) -> bool:
    """ "*" matches every type, "orders.*" every orders type, anything else must be equal."""
    module = event_type.split(".", 1)[0]
    return any(p == "*" or p == event_type or p == f"{module}.*" for p in patterns)


def endpoints_subscribed(
    *, event_type: str, active: list[WebhookEndpoint] | None = None
) -> list[WebhookEndpoint]:
    """Endpoints staff left active whose event types match (auto-disabled ones included: their
    deliveries are recorded as missed, to be replayed on re-enable). `active`: a reading of
    endpoints_active() to match against instead of reading them now."""
    # Few endpoints, patterns in JSON: matching in Python is clearer than a JSON query per form.
    return [
        endpoint
        for endpoint in (endpoints_active() if active is None else active)
        if endpoint_matches(patterns=endpoint.event_types, event_type=event_type)
    ]


def endpoints_active() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(is_active=True).order_by("pk"))


def deliveries_missed(*, endpoint_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.MISSED)


def deliveries_about_order(*, order_id: str) -> list[DeliveryRecord]:
    """Every notification sent (or being sent) about an order's events, oldest first: the order's
    own events carry its id as subject, payment events carry it in data.order_id."""
    rows = (
        Delivery.objects.filter(Q(envelope__subject=order_id) | Q(envelope__data__order_id=order_id))
        .select_related("endpoint")
        .order_by("created_at", "id")
    )
    return [
        DeliveryRecord(
            id=d.pk,
            event_type=d.event_type,
            channel=d.channel,
            recipient=_recipient_shown(d),
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            last_error=d.last_error[:200],
        )
        for d in rows
    ]


def _recipient_shown(delivery: Delivery) -> str:
    if delivery.endpoint:
        return str(delivery.endpoint)
    if delivery.recipient.startswith(GUEST_ORDER):
        return "the guest's checkout address"
    return delivery.recipient


def delivery_health() -> DeliveryHealth:
    """Counts for the back office's home page (three small COUNTs)."""
    return DeliveryHealth(
        dead=Delivery.objects.filter(status=DeliveryStatus.DEAD).count(),
        endpoints_failing=WebhookEndpoint.objects.filter(
            is_active=True, disabled_at__isnull=True, failing_since__isnull=False
        ).count(),
        endpoints_disabled=WebhookEndpoint.objects.filter(is_active=True, disabled_at__isnull=False).count(),
    )


class OrderNotYetKnown(LookupError):
    """A payment event about an order whose own event is not projected yet: fail, to be retried."""


def order_facts_get(*, order_id: str) -> OrderFacts:
    facts = OrderFacts.objects.filter(pk=order_id).first()
    if facts is None:
        raise OrderNotYetKnown(f"order {order_id} not projected yet (its orders event has not arrived)")
    return facts


def order_number(*, order_id: str) -> str:
    """The order's number as projected; "" when unknown."""
    return OrderFacts.objects.filter(pk=order_id).values_list("number", flat=True).first() or ""
