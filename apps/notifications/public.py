"""The notifications module's public surface: the only notifications code other modules may import."""

from django.db.models import Q

from apps.notifications.contracts import DeliveryHealth, DeliveryRecord
from apps.notifications.models import Delivery, DeliveryStatus, WebhookEndpoint

__all__ = ["deliveries_about_order", "delivery_health"]


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
            recipient=str(d.endpoint) if d.endpoint else d.recipient,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            last_error=d.last_error[:200],
        )
        for d in rows
    ]


def delivery_health() -> DeliveryHealth:
    """Counts for the back office's home page (three small COUNTs)."""
    return DeliveryHealth(
        dead=Delivery.objects.filter(status=DeliveryStatus.DEAD).count(),
        endpoints_failing=WebhookEndpoint.objects.filter(
            is_active=True, disabled_at__isnull=True, failing_since__isnull=False
        ).count(),
        endpoints_disabled=WebhookEndpoint.objects.filter(is_active=True, disabled_at__isnull=False).count(),
    )
