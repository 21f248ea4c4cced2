"""Read queries of the notifications module."""

from django.db.models import QuerySet

from apps.notifications.models import Delivery, DeliveryStatus, WebhookEndpoint


def endpoint_matches(*, patterns: list[str], event_type: str) -> bool:
    """ "*" matches every type, "orders.*" every orders type, anything else must be equal."""
    module = event_type.split(".", 1)[0]
    return any(p == "*" or p == event_type or p == f"{module}.*" for p in patterns)


def endpoints_subscribed(*, event_type: str) -> list[WebhookEndpoint]:
    """Endpoints staff left active whose event types match (auto-disabled ones included: their
    deliveries are recorded as missed, to be replayed on re-enable)."""
    # Few endpoints, patterns in JSON: matching in Python is clearer than a JSON query per form.
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).order_by("pk")
        if endpoint_matches(patterns=endpoint.event_types, event_type=event_type)
    ]


def deliveries_missed(*, endpoint_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.MISSED)
