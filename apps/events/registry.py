"""Who handles which event type. Filled at start-up by importing every app's handlers.py."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings

Handler = Callable[[dict], None]


@dataclass(frozen=True)
class Subscription:
    name: str  # dotted path of the handler function: stable across deploys, used by the inbox
    func: Handler
    custom_retry_schedule: tuple[float, ...] | None

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """Seconds to wait before each retry; its length is the number of retries."""
        return self.custom_retry_schedule or tuple(settings.EVENTS_RETRY_SCHEDULE)


_by_type: dict[str, list[Subscription]] = defaultdict(list)
_by_name: dict[str, Subscription] = {}


def subscribe(
    event_type: str, *, retry_schedule: Sequence[float] | None = None
) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of `event_type` (e.g. "orders.OrderCreated.v1").

    The handler receives the CloudEvents envelope (a dict) and runs inside a transaction that
    also records it in the inbox, so its database effects happen once per event.
    """

    def register(func: Handler) -> Handler:
        name = f"{func.__module__}.{func.__qualname__}"
        subscription = _by_name.setdefault(
            name, Subscription(name, func, tuple(retry_schedule) if retry_schedule else None)
        )
        if subscription not in _by_type[event_type]:
            _by_type[event_type].append(subscription)
        return func

    return register


def subscribers(event_type: str) -> list[Subscription]:
    return list(_by_type.get(event_type, ()))


def event_types() -> list[str]:
    """Every event type that has at least one subscriber."""
    return [event_type for event_type, subscriptions in _by_type.items() if subscriptions]


def subscription(name: str) -> Subscription | None:
    return _by_name.get(name)
