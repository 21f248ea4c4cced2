"""What other modules may know about notifications: frozen, stdlib-only dataclasses."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One notification about an order: which event, how, to whom, and how it went."""

    id: int
    event_type: str
    channel: str  # email, sms, webhook
    recipient: str  # an address, a phone number, or the endpoint's description or URL
    status: str  # pending, sending, retrying, succeeded, dead, missed
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    """What operations watch: deliveries given up on, endpoints failing or switched off by us."""

    dead: int
    endpoints_failing: int
    endpoints_disabled: int
